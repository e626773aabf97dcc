export * from "./client.js";
export * from "./gen/ilios/v1/conversion_service_pb.js";
export * from "./gen/ilios/v1/document_pb.js";
export * from "./gen/ilios/v1/usage_service_pb.js";
