#ifndef MINSHENG_PROCESSORS_DEDUP_MERGE_EVALUATION_H_
#define MINSHENG_PROCESSORS_DEDUP_MERGE_EVALUATION_H_

// How well near-duplicate matching reproduces duplicate groups a person labelled, and the labelled
// message-board fixture (tests/fixtures/duplicate-groups.tsv) it is measured on.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "processors/dedup/near_duplicate.h"

namespace minsheng::processors {

// A report and the duplicate group it belongs to (a report about a problem nobody else reported
// is a group of its own).
struct LabelledReport {
  std::string id;
  std::string group;
  ReportSignature signature;
  std::string title, text;  // what was signed, for looking into a decision
};

// Every pair of reports is one merge question; the gold answer is "same group".
struct PairCounts {
  int64_t true_merges = 0;       // merged, same group
  int64_t false_merges = 0;      // merged, different groups
  int64_t missed_merges = 0;     // kept apart, same group
  int64_t true_separations = 0;  // kept apart, different groups

  double precision() const;  // 1 when nothing merged
  double recall() const;     // 1 when there is nothing to merge
  double f1() const;
};

// Counts the pairs i < j that `counted(i, j)` admits, as merged when `merged(i, j)`.
PairCounts CountPairs(const std::vector<LabelledReport>& reports,
                      absl::FunctionRef<bool(size_t, size_t)> merged,
                      absl::FunctionRef<bool(size_t, size_t)> counted);

// The policy a report is matched with when it is the new one: one for all, or as `minsheng serve`
// does, its own category's (Dispatcher::MergePolicy).
using PolicyOf = absl::FunctionRef<NearDuplicatePolicy(const ReportSignature& report)>;

// Of reports i < j, the one a pair's merge question treats as the new report: the later-reported,
// j at equal times.
size_t LaterReport(const std::vector<LabelledReport>& reports, size_t i, size_t j);

// Asks Decide about every pair: the LaterReport joining the other, with its policy.
PairCounts EvaluatePairs(const std::vector<LabelledReport>& reports, PolicyOf policy_of);
PairCounts EvaluatePairs(const std::vector<LabelledReport>& reports,
                         const NearDuplicatePolicy& policy);

// What happened to the reports that came while their problem had an open case. A case belongs
// to the group of the report that opened it.
struct JoinCounts {
  int64_t joinable = 0;     // came within their window of a report of a case of their group
  int64_t right_joins = 0;  // joined a case of their group
  int64_t wrong_joins = 0;  // joined a case of another group (joinable or not)

  double precision() const;  // right / all joins; 1 when nothing joined
  double recall() const;     // right / joinable; 1 when nothing was joinable
};

struct ReplayCounts {
  PairCounts pairs;  // merged: in one case at the end
  JoinCounts joins;
};

// Replays the reports in time order as a processor would: each looks up the buckets of its
// CandidateKeys (kept as EncodeBucket bytes, pruned with `max_bucket_entries`), joins the
// BestMatch case or opens its own, and a joined case's latest report moves to the report's time
// (its words and area stay those of the report that opened it). A report is matched with its own
// policy, a case is stored with the policy of the report that opened it, as CaseBook does. Pair
// counts measure the cases made (big groups weigh with the square of their size), join counts
// each report's outcome. Fails only if a bucket does not decode.
absl::StatusOr<ReplayCounts> EvaluateStream(const std::vector<LabelledReport>& reports,
                                            PolicyOf policy_of, size_t max_bucket_entries);
absl::StatusOr<ReplayCounts> EvaluateStream(const std::vector<LabelledReport>& reports,
                                            const NearDuplicatePolicy& policy,
                                            size_t max_bucket_entries);

// The family every fixture report gets: the fixture isolates the text, area and time decision.
inline constexpr char kFixtureFamily[] = "board";

// Reads labels (a TSV file with the header "id<TAB>group<TAB>note", one message a line) and signs
// the message-board messages they name, read from a JSON-lines file with id, title, text and time
// ("2019/2/28 11:25:05" in UTC+8, or a spreadsheet day number such as "43782.47"). A signature
// has the message id as case id, the title and text, the time, no location, kFixtureFamily, and
// as area the first district
// the title or text names: "A3区" -> "A3", "A7县" -> "A7" (A1区..A6区, A7县, A8县), else none.
// Reports come in label order. NotFound for a file that cannot be read or an id without a
// message; InvalidArgument naming the line for a malformed one.
absl::StatusOr<std::vector<LabelledReport>> LoadMessageBoardFixture(
    const std::string& labels_tsv_path, const std::string& messages_jsonl_path);

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_DEDUP_MERGE_EVALUATION_H_
