// Manifest media types the registry may answer with. A lookup must accept all four, or a registry
// falls back to converting (or refusing) and the digest we see is not the one that is stored.
export const MediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

export const MANIFEST_ACCEPT = [MediaTypes.ociIndex, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.dockerManifest].join(', ');

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

export function describeMediaType(mediaType: string): string {
  switch (mediaType) {
    case MediaTypes.dockerManifest:
      return 'Docker image manifest';
    case MediaTypes.dockerManifestList:
      return 'Docker manifest list (multi-platform)';
    case MediaTypes.ociManifest:
      return 'OCI image manifest';
    case MediaTypes.ociIndex:
      return 'OCI image index (multi-platform)';
    default:
      return mediaType || 'unknown media type';
  }
}
