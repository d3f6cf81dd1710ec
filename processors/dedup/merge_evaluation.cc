#include "processors/dedup/merge_evaluation.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace minsheng::processors {
namespace {

bool Everything(size_t, size_t) { return true; }

std::vector<NearDuplicatePolicy> PoliciesOf(const std::vector<LabelledReport>& reports,
                                            PolicyOf policy_of) {
  std::vector<NearDuplicatePolicy> policies;
  policies.reserve(reports.size());
  for (const LabelledReport& r : reports) policies.push_back(policy_of(r.signature));
  return policies;
}

const absl::TimeZone& BoardTimeZone() {
  static const absl::TimeZone* const zone = new absl::TimeZone(absl::FixedTimeZone(8 * 3600));
  return *zone;
}

// "2019/2/28 11:25:05", or days since 1899-12-30 as spreadsheets count them.
absl::StatusOr<absl::Time> ParseBoardTime(absl::string_view s) {
  const std::vector<absl::string_view> date_time = absl::StrSplit(s, ' ');
  if (date_time.size() == 2) {
    const std::vector<absl::string_view> ymd = absl::StrSplit(date_time[0], '/');
    const std::vector<absl::string_view> hms = absl::StrSplit(date_time[1], ':');
    int v[6];
    if (ymd.size() == 3 && hms.size() == 3 && absl::SimpleAtoi(ymd[0], &v[0]) &&
        absl::SimpleAtoi(ymd[1], &v[1]) && absl::SimpleAtoi(ymd[2], &v[2]) &&
        absl::SimpleAtoi(hms[0], &v[3]) && absl::SimpleAtoi(hms[1], &v[4]) &&
        absl::SimpleAtoi(hms[2], &v[5])) {
      return absl::FromCivil(absl::CivilSecond(v[0], v[1], v[2], v[3], v[4], v[5]),
                             BoardTimeZone());
    }
  }
  double days;
  if (absl::SimpleAtod(s, &days) && std::isfinite(days) && days > 0 && days < 1e6) {
    const absl::Time epoch = absl::FromCivil(absl::CivilDay(1899, 12, 30), BoardTimeZone());
    return epoch + absl::Seconds(std::round(days * 86400));
  }
  return absl::InvalidArgumentError(absl::StrCat("unreadable time \"", s, "\""));
}

// The first district named: "A3区" -> "A3", "A7县" -> "A7".
std::string DistrictNamed(absl::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != 'A' || s[i + 1] < '1' || s[i + 1] > '8') continue;
    const absl::string_view suffix = s[i + 1] <= '6' ? "区" : "县";
    if (s.substr(i + 2, suffix.size()) == suffix) return std::string(s.substr(i, 2));
  }
  return "";
}

absl::StatusOr<std::string> StringField(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("missing string field \"", name, "\""));
  }
  return it->get<std::string>();
}

struct Message {
  std::string title, text, time;
};

// The messages named in `wanted`, by id.
absl::StatusOr<std::map<std::string, Message>> ReadMessages(const std::string& path,
                                                            const std::set<std::string>& wanted) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::map<std::string, Message> messages;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto invalid = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", why));
    };
    if (line.empty()) continue;
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object()) return invalid("not a JSON object");
    absl::StatusOr<std::string> id = StringField(object, "id");
    if (!id.ok()) return invalid(id.status().message());
    if (!wanted.contains(*id)) continue;
    Message m;
    for (auto [field, name] :
         {std::pair{&m.title, "title"}, {&m.text, "text"}, {&m.time, "time"}}) {
      absl::StatusOr<std::string> value = StringField(object, name);
      if (!value.ok()) return invalid(value.status().message());
      *field = *std::move(value);
    }
    messages.emplace(*std::move(id), std::move(m));
  }
  return messages;
}

}  // namespace

double PairCounts::precision() const {
  const int64_t merged = true_merges + false_merges;
  return merged == 0 ? 1 : static_cast<double>(true_merges) / merged;
}

double PairCounts::recall() const {
  const int64_t same = true_merges + missed_merges;
  return same == 0 ? 1 : static_cast<double>(true_merges) / same;
}

double PairCounts::f1() const {
  const double p = precision(), r = recall();
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}

double JoinCounts::precision() const {
  const int64_t joins = right_joins + wrong_joins;
  return joins == 0 ? 1 : static_cast<double>(right_joins) / joins;
}

double JoinCounts::recall() const {
  return joinable == 0 ? 1 : static_cast<double>(right_joins) / joinable;
}

PairCounts CountPairs(const std::vector<LabelledReport>& reports,
                      absl::FunctionRef<bool(size_t, size_t)> merged,
                      absl::FunctionRef<bool(size_t, size_t)> counted) {
  PairCounts c;
  for (size_t i = 0; i < reports.size(); ++i) {
    for (size_t j = i + 1; j < reports.size(); ++j) {
      if (!counted(i, j)) continue;
      const bool same = reports[i].group == reports[j].group;
      if (merged(i, j)) {
        ++(same ? c.true_merges : c.false_merges);
      } else {
        ++(same ? c.missed_merges : c.true_separations);
      }
    }
  }
  return c;
}

size_t LaterReport(const std::vector<LabelledReport>& reports, size_t i, size_t j) {
  return reports[j].signature.reported_at >= reports[i].signature.reported_at ? j : i;
}

PairCounts EvaluatePairs(const std::vector<LabelledReport>& reports, PolicyOf policy_of) {
  const std::vector<NearDuplicatePolicy> policies = PoliciesOf(reports, policy_of);
  return CountPairs(
      reports,
      [&](size_t i, size_t j) {
        const size_t report = LaterReport(reports, i, j), open_case = i + j - report;
        return Decide(reports[report].signature, reports[open_case].signature, policies[report])
            .merge;
      },
      Everything);
}

PairCounts EvaluatePairs(const std::vector<LabelledReport>& reports,
                         const NearDuplicatePolicy& policy) {
  return EvaluatePairs(reports, [&](const ReportSignature&) { return policy; });
}

absl::StatusOr<ReplayCounts> EvaluateStream(const std::vector<LabelledReport>& reports,
                                            PolicyOf policy_of, size_t max_bucket_entries) {
  const std::vector<NearDuplicatePolicy> policies = PoliciesOf(reports, policy_of);
  std::vector<size_t> order(reports.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reports[a].signature.reported_at < reports[b].signature.reported_at;
  });
  std::map<std::string, std::string> buckets;  // key -> EncodeBucket bytes
  const auto bucket = [&](const std::string& key) -> absl::StatusOr<std::vector<ReportSignature>> {
    const auto it = buckets.find(key);
    if (it == buckets.end()) return std::vector<ReportSignature>();
    return DecodeBucket(it->second);
  };
  std::vector<ReportSignature> cases;  // case_id is the position
  std::vector<size_t> opened_by;       // the report that opened each case
  std::vector<size_t> case_of(reports.size());
  std::map<std::string, absl::Time> latest_of_group;  // the latest report of a case of the group
  ReplayCounts counts;
  for (size_t r : order) {
    const ReportSignature& report = reports[r].signature;
    const NearDuplicatePolicy& policy = policies[r];
    const std::string& group = reports[r].group;
    if (const auto it = latest_of_group.find(group);
        it != latest_of_group.end() && report.reported_at - it->second <= policy.window) {
      ++counts.joins.joinable;
    }
    std::vector<ReportSignature> candidates;
    std::set<std::string> seen;
    for (const std::string& key : CandidateKeys(report, policy)) {
      absl::StatusOr<std::vector<ReportSignature>> entries = bucket(key);
      if (!entries.ok()) return entries.status();
      for (ReportSignature& e : *entries) {
        if (seen.insert(e.case_id).second) candidates.push_back(std::move(e));
      }
    }
    const std::optional<size_t> best = BestMatch(report, candidates, policy);
    size_t c;
    if (best.has_value()) {
      c = std::stoul(candidates[*best].case_id);
      cases[c].reported_at = std::max(cases[c].reported_at, report.reported_at);
      ++(reports[opened_by[c]].group == group ? counts.joins.right_joins
                                              : counts.joins.wrong_joins);
    } else {
      c = cases.size();
      cases.push_back(report);
      cases.back().case_id = std::to_string(c);
      opened_by.push_back(r);
    }
    case_of[r] = c;
    absl::Time& latest =
        latest_of_group.try_emplace(reports[opened_by[c]].group, absl::InfinitePast())
            .first->second;
    latest = std::max(latest, cases[c].reported_at);
    for (const std::string& key : HomeKeys(cases[c])) {
      absl::StatusOr<std::vector<ReportSignature>> entries = bucket(key);
      if (!entries.ok()) return entries.status();
      entries->push_back(cases[c]);
      PruneBucket(
          *entries, report.reported_at,
          [&](const ReportSignature& e) {
            return policies[opened_by[std::stoul(e.case_id)]].window;
          },
          max_bucket_entries);
      buckets[key] = EncodeBucket(*entries);
    }
  }
  counts.pairs = CountPairs(
      reports, [&](size_t i, size_t j) { return case_of[i] == case_of[j]; }, Everything);
  return counts;
}

absl::StatusOr<ReplayCounts> EvaluateStream(const std::vector<LabelledReport>& reports,
                                            const NearDuplicatePolicy& policy,
                                            size_t max_bucket_entries) {
  return EvaluateStream(
      reports, [&](const ReportSignature&) { return policy; }, max_bucket_entries);
}

absl::StatusOr<std::vector<LabelledReport>> LoadMessageBoardFixture(
    const std::string& labels_tsv_path, const std::string& messages_jsonl_path) {
  std::ifstream in(labels_tsv_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", labels_tsv_path));
  std::vector<LabelledReport> reports;
  std::set<std::string> ids;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    const auto invalid = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(labels_tsv_path, ":", number, ": ", why));
    };
    if (number == 1) {
      if (line != "id\tgroup\tnote") return invalid("expected the header id<TAB>group<TAB>note");
      continue;
    }
    if (fields.size() != 3 || fields[0].empty() || fields[1].empty()) {
      return invalid("expected id<TAB>group<TAB>note");
    }
    if (!ids.insert(fields[0]).second) return invalid(absl::StrCat("id ", fields[0], " again"));
    reports.push_back(LabelledReport{.id = fields[0], .group = fields[1]});
  }
  absl::StatusOr<std::map<std::string, Message>> messages = ReadMessages(messages_jsonl_path, ids);
  if (!messages.ok()) return messages.status();
  for (LabelledReport& report : reports) {
    const auto it = messages->find(report.id);
    if (it == messages->end()) {
      return absl::NotFoundError(
          absl::StrCat("message ", report.id, " is not in ", messages_jsonl_path));
    }
    const Message& m = it->second;
    absl::StatusOr<absl::Time> time = ParseBoardTime(m.time);
    if (!time.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("message ", report.id, ": ", time.status().message()));
    }
    ReportSignature& s = report.signature;
    s.case_id = report.id;
    s.family = kFixtureFamily;
    s.area_code = DistrictNamed(absl::StrCat(m.title, "\n", m.text));
    s.reported_at = *time;
    s.text = SignText(m.title, m.text);
    report.title = m.title;
    report.text = m.text;
  }
  return reports;
}

}  // namespace minsheng::processors
