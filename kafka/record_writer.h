#ifndef MINSHENG_KAFKA_RECORD_WRITER_H_
#define MINSHENG_KAFKA_RECORD_WRITER_H_

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/record_position.h"

namespace minsheng::kafka {

// A record handed to Kafka, whose acknowledgement can be awaited.
class PendingWrite {
 public:
  // The record's position once every in-sync replica has it, or why it was not written.
  absl::StatusOr<RecordPosition> Wait(absl::Duration timeout);

 private:
  friend class RecordWriter;
  absl::Notification done_;
  absl::StatusOr<RecordPosition> result_;
};

// Writes records for clients that must know their record is durable before they answer someone
// (a gRPC submission, a WeChat message, an import). Thread-safe.
class RecordWriter : public RdKafka::DeliveryReportCb {
 public:
  static absl::StatusOr<std::unique_ptr<RecordWriter>> Create(const std::string& bootstrap_servers,
                                                              const std::string& client_id);
  ~RecordWriter() override;

  using Header = std::pair<std::string, std::string>;
  std::shared_ptr<PendingWrite> Send(const std::string& topic, absl::string_view key,
                                     absl::string_view value,
                                     const std::vector<Header>& headers = {});
  // Send, then Wait.
  absl::StatusOr<RecordPosition> Write(const std::string& topic, absl::string_view key,
                                       absl::string_view value, absl::Duration timeout);

  void dr_cb(RdKafka::Message& message) override;

 private:
  RecordWriter() = default;

  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread poller_;  // serves delivery reports
};

}  // namespace minsheng::kafka

#endif  // MINSHENG_KAFKA_RECORD_WRITER_H_
