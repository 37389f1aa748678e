// The appc 0.8.11 schema types a stage1 receives: image manifests, pod manifests and
// their parts. They are plain JSON shapes; validation lives in @rkt/appc.

export interface NameValue {
  name: string;
  value: string;
}

export type Labels = NameValue[];
export type Annotations = NameValue[];

export interface Isolator {
  name: string;
  value: unknown;
}

export interface EventHandler {
  name: "pre-start" | "post-stop";
  exec: string[];
}

export interface MountPoint {
  name: string;
  path: string;
  readOnly?: boolean;
}

export interface Port {
  name: string;
  protocol: string;
  port: number;
  count?: number;
  socketActivated?: boolean;
}

export interface App {
  exec?: string[];
  user: string;
  group: string;
  supplementaryGIDs?: number[];
  eventHandlers?: EventHandler[];
  workingDirectory?: string;
  environment?: NameValue[];
  isolators?: Isolator[];
  mountPoints?: MountPoint[];
  ports?: Port[];
  userAnnotations?: Record<string, string>;
  userLabels?: Record<string, string>;
}

export interface Dependency {
  imageName: string;
  imageID?: string;
  labels?: Labels;
  size?: number;
}

export interface ImageManifest {
  acKind: "ImageManifest";
  acVersion: string;
  name: string;
  labels?: Labels;
  app?: App;
  annotations?: Annotations;
  dependencies?: Dependency[];
  pathWhitelist?: string[];
}

export interface Volume {
  name: string;
  kind: "host" | "empty";
  source?: string;
  readOnly?: boolean;
  recursive?: boolean;
  mode?: string;
  uid?: number;
  gid?: number;
}

export interface Mount {
  volume: string;
  path: string;
  appVolume?: Volume;
}

export interface RuntimeImage {
  name?: string;
  id: string;
  labels?: Labels;
}

export interface RuntimeApp {
  name: string;
  image: RuntimeImage;
  app?: App;
  readOnlyRootFS?: boolean;
  mounts?: Mount[];
  annotations?: Annotations;
}

export interface ExposedPort {
  name: string;
  hostPort: number;
  hostIP?: string;
  podPort?: Port;
}

export interface PodManifest {
  acVersion: string;
  acKind: "PodManifest";
  apps: RuntimeApp[];
  volumes?: Volume[];
  isolators?: Isolator[];
  annotations?: Annotations;
  ports?: ExposedPort[];
  userAnnotations?: Record<string, string>;
  userLabels?: Record<string, string>;
}
