#include "kafka/topics.h"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minsheng::kafka {
namespace {

constexpr TopicSpec kAllTopics[] = {kHotlineIntakeTopic, kWeChatIntakeTopic, kSensorIntakeTopic,
                                    kDeadLetterTopic};

struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;

absl::StatusOr<std::set<std::string>> ExistingTopics(rd_kafka_t* rk, int timeout_ms) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka metadata: ", rd_kafka_err2str(err)));
  }
  std::set<std::string> names;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      names.insert(metadata->topics[i].topic);
    }
  }
  rd_kafka_metadata_destroy(metadata);
  return names;
}

absl::Status CreateTopics(rd_kafka_t* rk, const std::vector<TopicSpec>& specs,
                          int replication_factor, int timeout_ms) {
  char error[512];
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  for (const TopicSpec& spec : specs) {
    new_topics.push_back(rd_kafka_NewTopic_new(spec.name, spec.partitions, replication_factor,
                                               error, sizeof(error)));
    if (new_topics.back() == nullptr) {
      new_topics.pop_back();
      rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
      return absl::InvalidArgumentError(absl::StrCat("topic ", spec.name, ": ", error));
    }
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout_ms + 5000);
  absl::Status status;
  if (event == nullptr) {
    status = absl::DeadlineExceededError("kafka CreateTopics timed out");
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::UnavailableError(
        absl::StrCat("kafka CreateTopics: ", rd_kafka_event_error_string(event)));
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    std::vector<std::string> failures;
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* message = rd_kafka_topic_result_error_string(results[i]);
        failures.push_back(absl::StrCat(rd_kafka_topic_result_name(results[i]), ": ",
                                        message ? message : rd_kafka_err2str(err)));
      }
    }
    if (!failures.empty()) {
      status = absl::UnavailableError(
          absl::StrCat("kafka CreateTopics failed for ", absl::StrJoin(failures, "; ")));
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
  return status;
}

}  // namespace

std::span<const TopicSpec> AllTopics() { return kAllTopics; }

absl::Status EnsureTopics(const std::string& bootstrap_servers, int replication_factor,
                          absl::Duration timeout) {
  const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_servers.c_str(), error,
                        sizeof(error)) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("kafka-brokers: ", error));
  }
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error)));
  if (!rk) return absl::InternalError(absl::StrCat("kafka admin client: ", error));

  auto existing = ExistingTopics(rk.get(), timeout_ms);
  if (!existing.ok()) return existing.status();
  std::vector<TopicSpec> missing;
  for (const TopicSpec& spec : AllTopics()) {
    if (!existing->contains(spec.name)) missing.push_back(spec);
  }
  // Skipping the Admin call when nothing is missing also keeps brokers without CreateTopics
  // support (the embedded one run as `minsheng kafka`) usable.
  if (missing.empty()) return absl::OkStatus();
  return CreateTopics(rk.get(), missing, replication_factor, timeout_ms);
}

}  // namespace minsheng::kafka
