#ifndef MINSHENG_PROCESSORS_RECORD_PROCESSOR_H_
#define MINSHENG_PROCESSORS_RECORD_PROCESSOR_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "store/case_store.h"

namespace minsheng::processors {

// One Kafka record as a stage sees it.
struct InputRecord {
  absl::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;  // the record's Kafka timestamp
  absl::string_view key;
  absl::string_view value;
};

// What a stage may do with a record while its batch is open. Nothing it does is visible outside
// until the batch commits, and then all of it is, together with the consumed offsets.
class BatchContext {
 public:
  virtual ~BatchContext() = default;
  virtual const store::CaseStore& store() const = 0;
  virtual store::StateUpdate& update() = 0;
  // Sends the record being processed to the dead-letter topic with this reason.
  virtual void DeadLetter(absl::string_view reason) = 0;
};

// A stage of the stream topology (in the manner of Kafka Streams' Processor API): it turns each
// input record into state changes or a dead letter. Processing must be deterministic, so a replay
// after a crash derives the same state.
class RecordProcessor {
 public:
  virtual ~RecordProcessor() = default;
  // Bad input is never an error here: it becomes a dead letter. An error means the machine
  // failed (e.g. the store is unreadable); the batch is then not committed and the task stops.
  virtual absl::Status Process(const InputRecord& record, BatchContext& context) = 0;
  // The batch is about to be committed: write into context.update() what was kept back to be
  // written once per batch rather than once per record (a case merged into many times, a bucket
  // of open cases).
  virtual void BeforeCommit(BatchContext& context) {}
  // The batch's update is durable; forget anything held for it.
  virtual void OnCommitted() = 0;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_RECORD_PROCESSOR_H_
