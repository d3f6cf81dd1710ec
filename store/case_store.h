#ifndef MINSHENG_STORE_CASE_STORE_H_
#define MINSHENG_STORE_CASE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/record_position.h"
#include "minsheng/v1/case.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace minsheng::store {

class CaseStore;

// What became of one intake record, so whoever wrote it (a gRPC submission, a WeChat message) can
// tell the citizen their ticket: the case it opened or joined, or why it was rejected.
struct RecordOutcome {
  // kJoined: a repeat of a report the case has; kMerged: another report of the case's problem
  // (a near-duplicate), now one of its reports.
  enum class Kind { kOpened, kJoined, kMerged, kRejected };
  Kind kind = Kind::kOpened;
  std::string case_id;  // for kOpened, kJoined and kMerged
  std::string reason;   // for kRejected

  friend bool operator==(const RecordOutcome&, const RecordOutcome&) = default;
};

using ::minsheng::RecordPosition;

// Everything one batch of input records produced, together with the Kafka positions after them.
// CaseStore::Commit writes it in one RocksDB write batch, so state and consumed offsets can never
// disagree after a crash: a replay starts exactly after the last committed record.
class StateUpdate {
 public:
  // Writes the case and indexes it by (channel, source_id) of its complaint.
  void PutCase(const v1::Case& c);
  // Indexes a further source (another report merged into the case) to it.
  void IndexSource(v1::Channel channel, absl::string_view source_id, absl::string_view case_id);
  // The offset of the next record to consume from topic/partition.
  void SetNextOffset(absl::string_view topic, int32_t partition, int64_t next_offset);
  void SetCounter(absl::string_view name, int64_t value);
  void SetOutcome(const RecordPosition& position, const RecordOutcome& outcome);
  // A stage's own state, e.g. a WeChat user's open assembly or a sensor's condition, under the
  // stage's store name.
  void PutState(absl::string_view store_name, absl::string_view key, absl::string_view value);
  void DeleteState(absl::string_view store_name, absl::string_view key);
  bool empty() const { return batch_.Count() == 0; }

 private:
  friend class CaseStore;
  explicit StateUpdate(const CaseStore* store) : store_(store) {}

  const CaseStore* store_;
  rocksdb::WriteBatch batch_;
};

// Case state in RocksDB on local disk. Column families: cases (case_id -> Case), case_by_source
// (channel + source id -> case_id), offsets (topic + partition -> next offset), counters,
// outcomes (topic + partition + offset -> RecordOutcome), stage_state (store name + key -> bytes).
class CaseStore {
 public:
  struct Options {
    // fsync each commit, so an acknowledged state survives power loss, not just a process crash.
    bool sync_writes = true;
    // Opens without the write lock, beside a running server (e.g. `minsheng stats`); Commit fails.
    bool read_only = false;
  };

  static absl::StatusOr<std::unique_ptr<CaseStore>> Open(const std::string& path, Options options);
  ~CaseStore();

  absl::StatusOr<v1::Case> GetCase(absl::string_view case_id) const;
  absl::StatusOr<v1::Case> FindCaseBySource(v1::Channel channel, absl::string_view source_id) const;
  // nullopt when the source has no case yet.
  absl::StatusOr<std::optional<std::string>> FindCaseIdBySource(v1::Channel channel,
                                                                absl::string_view source_id) const;
  // nullopt when nothing from this partition was ever committed.
  absl::StatusOr<std::optional<int64_t>> NextOffset(absl::string_view topic,
                                                    int32_t partition) const;
  // nullopt while the record has not been processed.
  absl::StatusOr<std::optional<RecordOutcome>> Outcome(const RecordPosition& position) const;
  // nullopt when the stage never stored anything under key.
  absl::StatusOr<std::optional<std::string>> GetState(absl::string_view store_name,
                                                      absl::string_view key) const;
  // 0 when never set.
  absl::StatusOr<int64_t> Counter(absl::string_view name) const;
  // Every counter, by name.
  absl::StatusOr<std::map<std::string, int64_t>> Counters() const;
  // Every committed position, keyed "topic:partition".
  absl::StatusOr<std::map<std::string, int64_t>> Offsets() const;
  // Visits every case in case_id order; stops early when visit returns false.
  absl::Status ForEachCase(const std::function<bool(const v1::Case&)>& visit) const;

  // Drops every stored Kafka position (consumed offsets and record outcomes), for input topics
  // that start over empty (the embedded broker keeps nothing across restarts). Cases, their
  // index and counters stay.
  absl::Status ForgetPositions();

  StateUpdate NewUpdate() const { return StateUpdate(this); }
  absl::Status Commit(StateUpdate& update);

 private:
  friend class StateUpdate;
  CaseStore() = default;

  absl::StatusOr<std::map<std::string, int64_t>> ReadNumbers(
      rocksdb::ColumnFamilyHandle* family) const;
  absl::StatusOr<std::optional<std::string>> Read(rocksdb::ColumnFamilyHandle* family,
                                                  absl::string_view key) const;

  Options options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* cases_ = nullptr;
  rocksdb::ColumnFamilyHandle* case_by_source_ = nullptr;
  rocksdb::ColumnFamilyHandle* offsets_ = nullptr;
  rocksdb::ColumnFamilyHandle* counters_ = nullptr;
  rocksdb::ColumnFamilyHandle* outcomes_ = nullptr;
  rocksdb::ColumnFamilyHandle* stage_state_ = nullptr;
};

}  // namespace minsheng::store

#endif  // MINSHENG_STORE_CASE_STORE_H_
