#ifndef MINSHENG_KAFKA_CLIENT_CONFIG_H_
#define MINSHENG_KAFKA_CLIENT_CONFIG_H_

#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace minsheng::kafka {

using ClientProperties = std::map<std::string, std::string>;

// Builds a librdkafka configuration; an unknown or invalid property is an error naming it.
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeConf(const ClientProperties& properties);

// Starts an idempotent producer (acks=all) against bootstrap_servers. delivery_reports, if
// given, hears of every record's fate during poll() and flush().
absl::StatusOr<std::unique_ptr<RdKafka::Producer>> MakeProducer(
    const std::string& bootstrap_servers, ClientProperties extra = {},
    RdKafka::DeliveryReportCb* delivery_reports = nullptr);

}  // namespace minsheng::kafka

#endif  // MINSHENG_KAFKA_CLIENT_CONFIG_H_
