import type { Readable } from 'node:stream';

/** A folder or file made by a storage provider: its id for further calls and a URL a person can open. */
export interface StoredRef {
  id: string;
  url: string;
}

/** Whose output a download link is for: a whole batch, or one of its links. */
export interface OutputScope {
  batchId: string;
  linkId?: string;
}

/** A finished file: a completed variation's folder and the name it recorded. */
export interface DeliveredFile {
  folderId: string;
  name: string;
}

/** A delivered folder as a ZIP stream, or why there is none to give. */
export type OutputArchive = { ok: true; name: string; stream: Readable } | { ok: false; reason: string };

/**
 * Where finished variations are delivered. Both writes are idempotent by name: calling again with the same
 * parent and name returns the existing folder or replaces nothing and returns the existing file, so a
 * retried upload never makes a twin.
 */
export interface Storage {
  readonly name: 'local' | 'drive';
  /** Finds or makes folder `name` under `parentId` (null = the configured root). */
  ensureFolder(parentId: string | null, name: string): Promise<StoredRef>;
  /** Finds or writes file `name` in `folderId`. `body` is the file's bytes. */
  putFile(folderId: string, name: string, body: Buffer, mimeType: string): Promise<StoredRef>;
  /**
   * Writes new bytes under file `name` in `folderId`, keeping the file: the same id and URL where the provider
   * has ids (Drive updates the file's content), an atomic overwrite locally. Makes the file when it is missing.
   */
  replaceFile(folderId: string, name: string, body: Buffer, mimeType: string): Promise<StoredRef>;
  /** The bytes of file `name` in `folderId` as delivered (publishing serves them to TikTok); throws when gone. */
  readFile(folderId: string, name: string): Promise<Buffer>;
  /** Confirms credentials and the root at boot; throws with a message a person can act on. */
  check(): Promise<void>;
  /** The link a person opens for a delivered folder: the app's ZIP download (local) or the folder itself (Drive). */
  downloadUrl(scope: OutputScope, folder: StoredRef): string;
  /**
   * A delivered folder as a ZIP stream holding only `finished` files (local output), or the reason there is
   * none (Drive, nothing finished yet).
   */
  archive(folder: { id: string | null; url: string | null }, finished: DeliveredFile[]): OutputArchive;
  /**
   * Removes what writers killed mid-write left behind (local temp files; Drive's single-request uploads
   * leave nothing). `tree`: also look inside the delivered tree (at start). Returns what was removed.
   */
  removeOrphans(options?: { tree?: boolean }): Promise<string[]>;
  /** Removes a deleted batch's output the app keeps itself (local); Drive folders belong to the user and stay. */
  removeOutput(folderId: string): Promise<void>;
}

export const STORAGE = Symbol('STORAGE');
