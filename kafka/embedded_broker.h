#ifndef MINSHENG_KAFKA_EMBEDDED_BROKER_H_
#define MINSHENG_KAFKA_EMBEDDED_BROKER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace minsheng::kafka {

// librdkafka's mock cluster: a real Kafka-protocol broker on loopback, kept in this process's
// memory. It keeps only about 5 MiB per partition (see README "Embedded Kafka"); production runs
// on a real cluster.
class EmbeddedBroker {
 public:
  // Starts the broker and creates every minsheng topic on it.
  static absl::StatusOr<std::unique_ptr<EmbeddedBroker>> Start();
  ~EmbeddedBroker();

  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // The bootstrap list clients connect to, e.g. "127.0.0.1:39211".
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

 private:
  EmbeddedBroker(rd_kafka_t* owner, rd_kafka_mock_cluster_t* cluster);

  rd_kafka_t* owner_;  // the client handle the mock cluster lives in
  rd_kafka_mock_cluster_t* cluster_;
  std::string bootstrap_servers_;
};

}  // namespace minsheng::kafka

#endif  // MINSHENG_KAFKA_EMBEDDED_BROKER_H_
