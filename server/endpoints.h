#ifndef MINSHENG_SERVER_ENDPOINTS_H_
#define MINSHENG_SERVER_ENDPOINTS_H_

#include <string>

#include "absl/status/status.h"

namespace minsheng::server {

// Where a running minsheng listens, published as <data-dir>/endpoints.json so scripts and other
// systems can find the embedded broker. Empty fields are left out.
struct Endpoints {
  std::string kafka_bootstrap;
  std::string grpc;
  std::string wechat;  // the WeChat endpoint's host:port, when it runs
};

inline constexpr char kEndpointsFile[] = "endpoints.json";

// Writes atomically (temporary file, then rename), so a reader never sees half a file.
absl::Status WriteEndpoints(const std::string& data_dir, const Endpoints& endpoints);
void RemoveEndpoints(const std::string& data_dir);

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_ENDPOINTS_H_
