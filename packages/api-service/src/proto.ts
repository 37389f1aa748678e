// rkt's api/v1alpha service definition, loaded from the .proto file rkt published (shipped
// in this package's proto/ directory). Field names stay as in the proto; enums are read as
// their names and int64 values as decimal strings.
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROTO_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "proto", "api.proto");

export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export function publicApiService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
  const v1alpha = grpc.loadPackageDefinition(definition).v1alpha as grpc.GrpcObject;
  return (v1alpha.PublicAPI as grpc.ServiceClientConstructor).service;
}
