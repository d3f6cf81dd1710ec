#ifndef MINSHENG_SERVER_GRPC_STATUS_H_
#define MINSHENG_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace minsheng::server {

// absl and gRPC share their status codes, so the code carries over unchanged.
inline grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_GRPC_STATUS_H_
