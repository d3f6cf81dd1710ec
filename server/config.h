#ifndef MINSHENG_SERVER_CONFIG_H_
#define MINSHENG_SERVER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace minsheng::server {

// Settings of `minsheng serve` (and of `minsheng kafka`, which uses data_dir only). Each can come
// from a YAML file given with --config (keys as below) and from flags; flags win.
struct ServeConfig {
  std::string data_dir = "./var";              // --data-dir, data_dir
  std::string kafka_brokers;                   // --kafka-brokers, kafka_brokers; empty = embedded
  std::string grpc_listen = "127.0.0.1:7120";  // --grpc-listen, grpc_listen
  int kafka_replication_factor = -1;           // --kafka-replication-factor; -1 = broker default
  bool sync_writes = true;                     // --sync-writes; fsync every state commit
};

// Parses the arguments after the role name. Errors name the flag or key at fault.
absl::StatusOr<ServeConfig> ParseServeConfig(const std::vector<std::string>& args);

// The text `minsheng serve --help` prints.
std::string ServeUsage();

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_CONFIG_H_
