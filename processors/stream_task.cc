#include "processors/stream_task.h"

#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "kafka/client_config.h"
#include "kafka/topics.h"

namespace minsheng::processors {
namespace {

constexpr int kFlushTimeoutMs = 30000;
constexpr int kIdlePollMs = 100;

}  // namespace

class StreamTask::Impl : public BatchContext,
                         public RdKafka::RebalanceCb,
                         public RdKafka::DeliveryReportCb {
 public:
  Impl(Options options, store::CaseStore& store, Stages stages)
      : options_(std::move(options)),
        store_(store),
        stages_(std::move(stages)),
        update_(store.NewUpdate()) {}

  ~Impl() override {
    if (consumer_) consumer_->close();
  }

  absl::Status Start() {
    auto conf = kafka::MakeConf({
        {"bootstrap.servers", options_.bootstrap_servers},
        {"group.id", options_.group_id},
        {"client.id", "minsheng-processor"},
        // Offsets are committed to the store with the state; Kafka's own commit would be a
        // second, disagreeing source of truth.
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        // A position the broker no longer has means lost input: stop loudly, never skip.
        {"auto.offset.reset", "error"},
        {"fetch.wait.max.ms", "20"},
        // A killed instance holds its partitions until its session expires; keep that short.
        {"session.timeout.ms", "6000"},
        {"heartbeat.interval.ms", "1500"},
    });
    if (!conf.ok()) return conf.status();
    std::string error;
    if ((*conf)->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), error) !=
        RdKafka::Conf::CONF_OK) {
      return absl::InternalError(error);
    }
    consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), error));
    if (!consumer_) return absl::InternalError(absl::StrCat("kafka consumer: ", error));

    auto producer = kafka::MakeProducer(options_.bootstrap_servers,
                                        {{"client.id", "minsheng-deadletter"}}, this);
    if (!producer.ok()) return producer.status();
    producer_ = *std::move(producer);

    std::vector<std::string> topics;
    for (const auto& [topic, stage] : stages_) topics.push_back(topic);
    RdKafka::ErrorCode err = consumer_->subscribe(topics);
    if (err != RdKafka::ERR_NO_ERROR) {
      return absl::UnavailableError(
          absl::StrCat("subscribe ", absl::StrJoin(topics, ","), ": ", RdKafka::err2str(err)));
    }
    return absl::OkStatus();
  }

  absl::Status Run(const std::atomic<bool>& stop) {
    while (!stop.load() && fatal_.ok()) {
      int records = 0;
      std::unique_ptr<RdKafka::Message> message(consumer_->consume(kIdlePollMs));
      if (Handle(*message)) ++records;
      const absl::Time batch_deadline = absl::Now() + options_.max_batch_wait;
      while (records > 0 && records < options_.max_batch_records && fatal_.ok()) {
        const int64_t remaining_ms =
            std::max<int64_t>(0, absl::ToInt64Milliseconds(batch_deadline - absl::Now()));
        message.reset(consumer_->consume(static_cast<int>(remaining_ms)));
        if (Handle(*message)) {
          ++records;
        } else if (message->err() == RdKafka::ERR__TIMED_OUT) {
          break;
        }
      }
      if (absl::Status s = Commit(); !s.ok()) fatal_ = s;
    }
    if (fatal_.ok()) {
      // Leaving the group revokes the partitions, which commits what is held (rebalance_cb).
      consumer_->close();
      consumer_.reset();
    }
    return fatal_;
  }

  // BatchContext
  const store::CaseStore& store() const override { return store_; }
  store::StateUpdate& update() override { return update_; }

  void DeadLetter(absl::string_view reason) override {
    RdKafka::Headers* headers = RdKafka::Headers::create();
    headers->add("minsheng.reason", std::string(reason));
    headers->add("minsheng.source.topic", std::string(current_->topic));
    headers->add("minsheng.source.partition", absl::StrCat(current_->partition));
    headers->add("minsheng.source.offset", absl::StrCat(current_->offset));
    for (;;) {
      RdKafka::ErrorCode err = producer_->produce(
          kafka::kDeadLetterTopic.name, RdKafka::Topic::PARTITION_UA,
          RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(current_->value.data()),
          current_->value.size(), current_->key.data(), current_->key.size(), 0, headers, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) break;
      if (err != RdKafka::ERR__QUEUE_FULL) {
        delete headers;
        fatal_ =
            absl::UnavailableError(absl::StrCat("dead letter not sent: ", RdKafka::err2str(err)));
        return;
      }
      producer_->poll(100);
    }
    ++dead_letters_in_batch_;
  }

  // RebalanceCb: runs inside consume(), on this task's thread.
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      std::vector<std::string> described;
      for (RdKafka::TopicPartition* partition : partitions) {
        auto next = store_.NextOffset(partition->topic(), partition->partition());
        if (!next.ok()) {
          fatal_ = next.status();
          return;
        }
        partition->set_offset(next->has_value() ? **next : RdKafka::Topic::OFFSET_BEGINNING);
        described.push_back(absl::StrCat(partition->topic(), "/", partition->partition(), "@",
                                         next->has_value() ? absl::StrCat(**next) : "start"));
      }
      consumer->assign(partitions);
      LogInfo("processing ", absl::StrJoin(described, ","));
      if (options_.on_assigned) options_.on_assigned();
    } else {
      if (absl::Status s = Commit(); !s.ok()) fatal_ = s;
      consumer->unassign();
    }
  }

  // DeliveryReportCb: runs inside producer poll/flush, on this task's thread.
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() != RdKafka::ERR_NO_ERROR && delivery_error_.empty()) {
      delivery_error_ = message.errstr();
    }
  }

 private:
  // Returns true when message was a record (processed into the open batch).
  bool Handle(RdKafka::Message& message) {
    switch (message.err()) {
      case RdKafka::ERR_NO_ERROR: {
        const std::string topic = message.topic_name();  // returned by value: keep it alive
        InputRecord record{
            .topic = topic,
            .partition = message.partition(),
            .offset = message.offset(),
            .timestamp_ms = message.timestamp().timestamp,
            .key = message.key() ? absl::string_view(*message.key()) : absl::string_view(),
            .value = absl::string_view(static_cast<const char*>(message.payload()), message.len()),
        };
        current_ = &record;
        auto stage = stages_.find(topic);
        absl::Status status = stage == stages_.end()
                                  ? absl::InternalError(absl::StrCat("no stage for topic ", topic))
                                  : stage->second->Process(record, *this);
        current_ = nullptr;
        if (!status.ok()) {
          fatal_ = status;
          return false;
        }
        next_offsets_[{std::string(record.topic), record.partition}] = record.offset + 1;
        return true;
      }
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        return false;
      case RdKafka::ERR__AUTO_OFFSET_RESET:
        fatal_ = absl::DataLossError(
            absl::StrCat("input lost: ", message.errstr(),
                         ". The broker dropped records before minsheng consumed them (see README, "
                         "\"Embedded Kafka limits\"); minsheng stops rather than skip them."));
        return false;
      default:
        if (message.err() == RdKafka::ERR__FATAL) {
          fatal_ = absl::InternalError(absl::StrCat("kafka consumer: ", message.errstr()));
        } else {
          LogWarning("kafka consumer: ", message.errstr());
        }
        return false;
    }
  }

  // Makes the open batch durable: dead letters acknowledged by Kafka first, then state and
  // offsets in one store write. A crash between the two re-sends those dead letters on replay
  // (their headers name the source offset, so readers can drop repeats); no case is repeated.
  absl::Status Commit() {
    // After a failure the open batch may be incomplete (e.g. a dead letter not sent): drop it
    // and let the next start replay those records.
    if (!fatal_.ok()) return fatal_;
    if (next_offsets_.empty()) return absl::OkStatus();
    if (dead_letters_in_batch_ > 0) {
      producer_->flush(kFlushTimeoutMs);
      if (producer_->outq_len() > 0) {
        return absl::UnavailableError("dead letters not acknowledged by Kafka within 30 s");
      }
      if (!delivery_error_.empty()) {
        return absl::UnavailableError(absl::StrCat("dead letter not delivered: ", delivery_error_));
      }
      dead_letters_in_batch_ = 0;
    }
    for (const auto& [topic, stage] : stages_) stage->BeforeCommit(*this);
    for (const auto& [partition, next] : next_offsets_) {
      update_.SetNextOffset(partition.first, partition.second, next);
    }
    if (absl::Status s = store_.Commit(update_); !s.ok()) return s;
    next_offsets_.clear();
    for (const auto& [topic, stage] : stages_) stage->OnCommitted();
    if (options_.on_commit) options_.on_commit();
    return absl::OkStatus();
  }

  Options options_;
  store::CaseStore& store_;
  Stages stages_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<RdKafka::Producer> producer_;
  store::StateUpdate update_;
  std::map<std::pair<std::string, int32_t>, int64_t> next_offsets_;
  const InputRecord* current_ = nullptr;
  int dead_letters_in_batch_ = 0;
  std::string delivery_error_;
  absl::Status fatal_;
};

absl::StatusOr<std::unique_ptr<StreamTask>> StreamTask::Create(Options options,
                                                               store::CaseStore& store,
                                                               Stages stages) {
  auto impl = std::make_unique<Impl>(std::move(options), store, std::move(stages));
  if (absl::Status s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<StreamTask>(new StreamTask(std::move(impl)));
}

StreamTask::StreamTask(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamTask::~StreamTask() = default;

absl::Status StreamTask::Run(const std::atomic<bool>& stop) { return impl_->Run(stop); }

}  // namespace minsheng::processors
