/**
 * Names of the delivery tree, the same for Drive and the local folder:
 * `Batch_<yyyymmdd-hhmm>_<id8>/Link_<nn>_<postId>/v<p>-<t>/01.jpg…`.
 */
export function batchFolderName(batch: { id: string; createdAt: Date }): string {
  const d = new Date(batch.createdAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
  return `Batch_${stamp}_${batch.id.replace(/-/g, '').slice(0, 8)}`;
}

export function linkFolderName(position: number, postId: string | null): string {
  return `Link_${String(position).padStart(2, '0')}_${postId ?? 'unknown'}`;
}

export function variationFolderName(photoIndex: number, textIndex: number): string {
  return `v${photoIndex}-${textIndex}`;
}

export function slideFileName(index: number): string {
  return `${String(index + 1).padStart(2, '0')}.jpg`;
}
