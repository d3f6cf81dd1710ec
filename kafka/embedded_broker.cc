#include "kafka/embedded_broker.h"

#include <dirent.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kafka/topics.h"

namespace minsheng::kafka {
namespace {

constexpr int kBrokerCount = 1;

// The mock broker's sockets lack TCP_NODELAY, which stalls small replies (acks, commits) by
// about 40 ms. Setting it on the listening sockets fixes every connection accepted later, since
// Linux copies the option to accepted sockets.
void SetNoDelayOnListeners(const std::string& bootstrap_servers) {
  std::set<int> ports;
  for (absl::string_view address : absl::StrSplit(bootstrap_servers, ',')) {
    int port = 0;
    size_t colon = address.rfind(':');
    if (colon != absl::string_view::npos && absl::SimpleAtoi(address.substr(colon + 1), &port)) {
      ports.insert(port);
    }
  }
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (dirent* entry = readdir(fds)) {
    int fd = 0;
    if (!absl::SimpleAtoi(entry->d_name, &fd)) continue;
    int listening = 0;
    socklen_t length = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
      continue;
    }
    sockaddr_storage address{};
    length = sizeof(address);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) continue;
    int port = address.ss_family == AF_INET
                   ? ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port)
                   : ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
    if (ports.contains(port)) {
      int on = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    }
  }
  closedir(fds);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start() {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
  rd_kafka_t* owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (owner == nullptr) {
    return absl::InternalError(absl::StrCat("embedded kafka: ", error));
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner, kBrokerCount);
  if (cluster == nullptr) {
    rd_kafka_destroy(owner);
    return absl::InternalError("embedded kafka: could not start the mock cluster");
  }
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker(owner, cluster));
  for (const TopicSpec& spec : AllTopics()) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, spec.name, spec.partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(
          absl::StrCat("embedded kafka: topic ", spec.name, ": ", rd_kafka_err2str(err)));
    }
  }
  SetNoDelayOnListeners(broker->bootstrap_servers_);
  return broker;
}

EmbeddedBroker::EmbeddedBroker(rd_kafka_t* owner, rd_kafka_mock_cluster_t* cluster)
    : owner_(owner),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

EmbeddedBroker::~EmbeddedBroker() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(owner_);
}

}  // namespace minsheng::kafka
