#include "kafka/client_config.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace minsheng::kafka {

absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeConf(const ClientProperties& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka property ", name, ": ", error));
    }
  }
  return conf;
}

absl::StatusOr<std::unique_ptr<RdKafka::Producer>> MakeProducer(
    const std::string& bootstrap_servers, ClientProperties extra,
    RdKafka::DeliveryReportCb* delivery_reports) {
  extra.emplace("bootstrap.servers", bootstrap_servers);
  extra.emplace("enable.idempotence", "true");
  extra.emplace("linger.ms", "5");
  auto conf = MakeConf(extra);
  if (!conf.ok()) return conf.status();
  std::string error;
  if (delivery_reports != nullptr &&
      (*conf)->set("dr_cb", delivery_reports, error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(absl::StrCat("kafka dr_cb: ", error));
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), error));
  if (!producer) return absl::InternalError(absl::StrCat("kafka producer: ", error));
  return producer;
}

}  // namespace minsheng::kafka
