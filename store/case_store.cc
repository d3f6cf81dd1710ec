#include "store/case_store.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"

namespace minsheng::store {
namespace {

constexpr const char* kCases = "cases";
constexpr const char* kCaseBySource = "case_by_source";
constexpr const char* kOffsets = "offsets";
constexpr const char* kCounters = "counters";
constexpr const char* kOutcomes = "outcomes";
constexpr const char* kStageState = "stage_state";

std::string StateKey(absl::string_view store_name, absl::string_view key) {
  return absl::StrCat(store_name, "/", key);
}

std::string SourceKey(v1::Channel channel, absl::string_view source_id) {
  return absl::StrCat(static_cast<int>(channel), ":", source_id);
}

std::string OffsetKey(absl::string_view topic, int32_t partition) {
  return absl::StrCat(topic, ":", partition);
}

std::string OutcomeKey(const RecordPosition& position) {
  return absl::StrCat(position.topic, ":", position.partition, ":", position.offset);
}

// One letter for the kind, then the case id or the reason.
constexpr char kOpenedTag = 'O', kJoinedTag = 'J', kMergedTag = 'M', kRejectedTag = 'R';

std::string EncodeOutcome(const RecordOutcome& outcome) {
  switch (outcome.kind) {
    case RecordOutcome::Kind::kOpened:
      return std::string(1, kOpenedTag) + outcome.case_id;
    case RecordOutcome::Kind::kJoined:
      return std::string(1, kJoinedTag) + outcome.case_id;
    case RecordOutcome::Kind::kMerged:
      return std::string(1, kMergedTag) + outcome.case_id;
    case RecordOutcome::Kind::kRejected:
      return std::string(1, kRejectedTag) + outcome.reason;
  }
  return "";
}

absl::StatusOr<RecordOutcome> DecodeOutcome(const std::string& value) {
  if (value.empty()) return absl::DataLossError("empty record outcome");
  const std::string payload = value.substr(1);
  switch (value[0]) {
    case kOpenedTag:
      return RecordOutcome{.kind = RecordOutcome::Kind::kOpened, .case_id = payload};
    case kJoinedTag:
      return RecordOutcome{.kind = RecordOutcome::Kind::kJoined, .case_id = payload};
    case kMergedTag:
      return RecordOutcome{.kind = RecordOutcome::Kind::kMerged, .case_id = payload};
    case kRejectedTag:
      return RecordOutcome{.kind = RecordOutcome::Kind::kRejected, .reason = payload};
  }
  return absl::DataLossError(absl::StrCat("corrupt record outcome: ", value));
}

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("rocksdb ", what, ": ", status.ToString()));
}

absl::StatusOr<int64_t> ParseNumber(const std::string& text, absl::string_view what) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return absl::DataLossError(absl::StrCat("corrupt ", what, " value: ", text));
  }
  return value;
}

}  // namespace

void StateUpdate::PutCase(const v1::Case& c) {
  batch_.Put(store_->cases_, c.case_id(), c.SerializeAsString());
  batch_.Put(store_->case_by_source_, SourceKey(c.complaint().channel(), c.complaint().source_id()),
             c.case_id());
}

void StateUpdate::IndexSource(v1::Channel channel, absl::string_view source_id,
                              absl::string_view case_id) {
  batch_.Put(store_->case_by_source_, SourceKey(channel, source_id),
             rocksdb::Slice(case_id.data(), case_id.size()));
}

void StateUpdate::SetNextOffset(absl::string_view topic, int32_t partition, int64_t next_offset) {
  batch_.Put(store_->offsets_, OffsetKey(topic, partition), absl::StrCat(next_offset));
}

void StateUpdate::SetOutcome(const RecordPosition& position, const RecordOutcome& outcome) {
  batch_.Put(store_->outcomes_, OutcomeKey(position), EncodeOutcome(outcome));
}

void StateUpdate::PutState(absl::string_view store_name, absl::string_view key,
                           absl::string_view value) {
  batch_.Put(store_->stage_state_, StateKey(store_name, key),
             rocksdb::Slice(value.data(), value.size()));
}

void StateUpdate::DeleteState(absl::string_view store_name, absl::string_view key) {
  batch_.Delete(store_->stage_state_, StateKey(store_name, key));
}

void StateUpdate::SetCounter(absl::string_view name, int64_t value) {
  batch_.Put(store_->counters_, rocksdb::Slice(name.data(), name.size()), absl::StrCat(value));
}

absl::StatusOr<std::unique_ptr<CaseStore>> CaseStore::Open(const std::string& path,
                                                           Options options) {
  std::error_code error;
  if (!options.read_only) std::filesystem::create_directories(path, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("data-dir: cannot create ", path, ": ", error.message()));
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = !options.read_only;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  rocksdb::ColumnFamilyOptions family_options;
  family_options.OptimizeForPointLookup(64);  // MiB of block cache; reads are by key

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, family_options},
      {kCases, family_options},
      {kCaseBySource, family_options},
      {kOffsets, family_options},
      {kCounters, family_options},
      {kOutcomes, family_options},
      {kStageState, family_options},
  };
  std::unique_ptr<CaseStore> store(new CaseStore());
  store->options_ = options;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, path, families, &store->handles_, &db)
          : rocksdb::DB::Open(db_options, path, families, &store->handles_, &db);
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("rocksdb open ", path, ": ", status.ToString()));
  }
  store->db_.reset(db);
  store->cases_ = store->handles_[1];
  store->case_by_source_ = store->handles_[2];
  store->offsets_ = store->handles_[3];
  store->counters_ = store->handles_[4];
  store->outcomes_ = store->handles_[5];
  store->stage_state_ = store->handles_[6];
  return store;
}

CaseStore::~CaseStore() {
  if (!db_) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

absl::StatusOr<std::optional<std::string>> CaseStore::Read(rocksdb::ColumnFamilyHandle* family,
                                                           absl::string_view key) const {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), family, rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (absl::Status s = FromRocks(status, "read"); !s.ok()) return s;
  return value;
}

absl::StatusOr<v1::Case> CaseStore::GetCase(absl::string_view case_id) const {
  auto value = Read(cases_, case_id);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return absl::NotFoundError(absl::StrCat("case_id: no case ", case_id));
  }
  v1::Case c;
  if (!c.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("case ", case_id, " is corrupt"));
  }
  return c;
}

absl::StatusOr<std::optional<std::string>> CaseStore::FindCaseIdBySource(
    v1::Channel channel, absl::string_view source_id) const {
  return Read(case_by_source_, SourceKey(channel, source_id));
}

absl::StatusOr<v1::Case> CaseStore::FindCaseBySource(v1::Channel channel,
                                                     absl::string_view source_id) const {
  auto case_id = FindCaseIdBySource(channel, source_id);
  if (!case_id.ok()) return case_id.status();
  if (!case_id->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("source_id: no case for ", v1::Channel_Name(channel), " ", source_id));
  }
  return GetCase(**case_id);
}

absl::StatusOr<std::optional<int64_t>> CaseStore::NextOffset(absl::string_view topic,
                                                             int32_t partition) const {
  auto value = Read(offsets_, OffsetKey(topic, partition));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  return ParseNumber(**value, "offset");
}

absl::StatusOr<std::optional<RecordOutcome>> CaseStore::Outcome(
    const RecordPosition& position) const {
  auto value = Read(outcomes_, OutcomeKey(position));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  return DecodeOutcome(**value);
}

absl::StatusOr<std::optional<std::string>> CaseStore::GetState(absl::string_view store_name,
                                                               absl::string_view key) const {
  return Read(stage_state_, StateKey(store_name, key));
}

absl::StatusOr<int64_t> CaseStore::Counter(absl::string_view name) const {
  auto value = Read(counters_, name);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return 0;
  return ParseNumber(**value, "counter");
}

absl::StatusOr<std::map<std::string, int64_t>> CaseStore::ReadNumbers(
    rocksdb::ColumnFamilyHandle* family) const {
  std::map<std::string, int64_t> numbers;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto value = ParseNumber(it->value().ToString(), it->key().ToString());
    if (!value.ok()) return value.status();
    numbers.emplace(it->key().ToString(), *value);
  }
  if (absl::Status s = FromRocks(it->status(), "scan"); !s.ok()) return s;
  return numbers;
}

absl::StatusOr<std::map<std::string, int64_t>> CaseStore::Counters() const {
  return ReadNumbers(counters_);
}

absl::StatusOr<std::map<std::string, int64_t>> CaseStore::Offsets() const {
  return ReadNumbers(offsets_);
}

absl::Status CaseStore::ForEachCase(const std::function<bool(const v1::Case&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cases_));
  v1::Case c;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!c.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("case ", it->key().ToString(), " is corrupt"));
    }
    if (!visit(c)) break;
  }
  return FromRocks(it->status(), "scan");
}

absl::Status CaseStore::ForgetPositions() {
  // Keys are "topic:..." with ASCII topic names, so this range holds every one of them.
  const rocksdb::Slice first(""), past_last("\xff");
  rocksdb::WriteBatch batch;
  for (rocksdb::ColumnFamilyHandle* family : {offsets_, outcomes_}) {
    if (absl::Status s = FromRocks(batch.DeleteRange(family, first, past_last), "forget");
        !s.ok()) {
      return s;
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync_writes;
  return FromRocks(db_->Write(write_options, &batch), "forget positions");
}

absl::Status CaseStore::Commit(StateUpdate& update) {
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync_writes;
  absl::Status status = FromRocks(db_->Write(write_options, &update.batch_), "commit");
  update.batch_.Clear();
  return status;
}

}  // namespace minsheng::store
