import { api, safe, type Schemas } from '../api/client';

export type SavedProduct = Schemas['ProductDto'];

const LAST_KEY = 'studio.lastProductId';

/** The saved-product library, loaded once per page, and the product last used (kept for "Start new batch"). */
class ProductLibrary {
  items = $state<SavedProduct[]>([]);
  maxPhotoBytes = $state(15 * 1024 * 1024);
  loaded = $state(false);

  async load(): Promise<void> {
    const { data } = await safe(() => api.GET('/api/products'));
    if (!data) return;
    this.items = data.items;
    this.maxPhotoBytes = data.maxPhotoBytes;
    this.loaded = true;
  }

  find(id: string | null | undefined): SavedProduct | undefined {
    return id ? this.items.find((p) => p.id === id) : undefined;
  }

  get last(): string | null {
    try {
      return localStorage.getItem(LAST_KEY);
    } catch {
      return null;
    }
  }

  remember(id: string): void {
    try {
      localStorage.setItem(LAST_KEY, id);
    } catch {
      /* private mode: nothing to keep */
    }
  }
}

export const library = new ProductLibrary();

export const productLabel = (p: SavedProduct) => p.name ?? (p.description.length > 40 ? `${p.description.slice(0, 40)}…` : p.description);

/** 15728640 → "15 MB". */
export const sizeLabel = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Number((bytes / 1024 / 1024).toFixed(1))} MB` : `${Number((bytes / 1024).toFixed(1))} KB`;

/** The image type by the file's first bytes (its name and declared type are not trusted), or null. */
export async function sniffImage(file: File): Promise<'jpeg' | 'png' | 'webp' | null> {
  const b = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) return 'png';
  const ascii = (from: number, to: number) => String.fromCharCode(...b.slice(from, to));
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return null;
}
