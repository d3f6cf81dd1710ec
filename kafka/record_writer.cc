#include "kafka/record_writer.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "kafka/client_config.h"

namespace minsheng::kafka {

absl::StatusOr<RecordPosition> PendingWrite::Wait(absl::Duration timeout) {
  if (!done_.WaitForNotificationWithTimeout(timeout)) {
    return absl::DeadlineExceededError("Kafka did not acknowledge the record in time");
  }
  return result_;
}

absl::StatusOr<std::unique_ptr<RecordWriter>> RecordWriter::Create(
    const std::string& bootstrap_servers, const std::string& client_id) {
  std::unique_ptr<RecordWriter> writer(new RecordWriter());
  // Synchronous callers want their acknowledgement now, not after a linger.
  auto producer =
      MakeProducer(bootstrap_servers, {{"client.id", client_id}, {"linger.ms", "1"}}, writer.get());
  if (!producer.ok()) return producer.status();
  writer->producer_ = *std::move(producer);
  writer->poller_ = std::thread([w = writer.get()] {
    while (!w->stop_.load()) w->producer_->poll(50);
  });
  return writer;
}

RecordWriter::~RecordWriter() {
  if (producer_) producer_->flush(10000);
  stop_ = true;
  if (poller_.joinable()) poller_.join();
}

std::shared_ptr<PendingWrite> RecordWriter::Send(const std::string& topic, absl::string_view key,
                                                 absl::string_view value,
                                                 const std::vector<Header>& headers) {
  auto pending = std::make_shared<PendingWrite>();
  RdKafka::Headers* kafka_headers = RdKafka::Headers::create();
  for (const auto& [name, text] : headers) kafka_headers->add(name, text);
  // The delivery report owns this reference until it fires.
  auto* report_ref = new std::shared_ptr<PendingWrite>(pending);
  RdKafka::ErrorCode err;
  for (;;) {
    err = producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                             const_cast<char*>(value.data()), value.size(), key.data(), key.size(),
                             0, kafka_headers, report_ref);
    if (err != RdKafka::ERR__QUEUE_FULL) break;
    producer_->poll(10);
  }
  if (err != RdKafka::ERR_NO_ERROR) {
    delete kafka_headers;
    delete report_ref;
    pending->result_ = absl::UnavailableError(absl::StrCat("kafka: ", RdKafka::err2str(err)));
    pending->done_.Notify();
  }
  return pending;
}

absl::StatusOr<RecordPosition> RecordWriter::Write(const std::string& topic, absl::string_view key,
                                                   absl::string_view value,
                                                   absl::Duration timeout) {
  return Send(topic, key, value)->Wait(timeout);
}

void RecordWriter::dr_cb(RdKafka::Message& message) {
  std::unique_ptr<std::shared_ptr<PendingWrite>> report_ref(
      static_cast<std::shared_ptr<PendingWrite>*>(message.msg_opaque()));
  PendingWrite& pending = **report_ref;
  if (message.err() == RdKafka::ERR_NO_ERROR) {
    pending.result_ = RecordPosition{message.topic_name(), message.partition(), message.offset()};
  } else {
    pending.result_ = absl::UnavailableError(absl::StrCat("kafka: ", message.errstr()));
  }
  pending.done_.Notify();
}

}  // namespace minsheng::kafka
