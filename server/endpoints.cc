#include "server/endpoints.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace minsheng::server {

absl::Status WriteEndpoints(const std::string& data_dir, const Endpoints& endpoints) {
  nlohmann::json json = nlohmann::json::object();
  if (!endpoints.kafka_bootstrap.empty()) json["kafka_bootstrap"] = endpoints.kafka_bootstrap;
  if (!endpoints.grpc.empty()) json["grpc"] = endpoints.grpc;
  if (!endpoints.wechat.empty()) json["wechat"] = endpoints.wechat;
  const std::filesystem::path path = std::filesystem::path(data_dir) / kEndpointsFile;
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary);
    out << json.dump(2) << "\n";
    if (!out.good()) {
      return absl::UnavailableError(absl::StrCat("cannot write ", temporary.string()));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path.string(), ": ", error.message()));
  }
  return absl::OkStatus();
}

void RemoveEndpoints(const std::string& data_dir) {
  std::error_code ignored;
  std::filesystem::remove(std::filesystem::path(data_dir) / kEndpointsFile, ignored);
}

}  // namespace minsheng::server
