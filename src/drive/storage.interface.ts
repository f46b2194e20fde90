/** A folder or file made by a storage provider: its id for further calls and a URL a person can open. */
export interface StoredRef {
  id: string;
  url: string;
}

/**
 * Where finished variations are delivered. Both calls are idempotent by name: calling again with the same
 * parent and name returns the existing folder or replaces nothing and returns the existing file, so a
 * retried upload never makes a twin.
 */
export interface Storage {
  readonly name: 'local' | 'drive';
  /** Finds or makes folder `name` under `parentId` (null = the configured root). */
  ensureFolder(parentId: string | null, name: string): Promise<StoredRef>;
  /** Finds or writes file `name` in `folderId`. `body` is the file's bytes. */
  putFile(folderId: string, name: string, body: Buffer, mimeType: string): Promise<StoredRef>;
  /** Optional: confirms credentials and the root at boot; throws with a message a person can act on. */
  check?(): Promise<void>;
}

export const STORAGE = Symbol('STORAGE');
