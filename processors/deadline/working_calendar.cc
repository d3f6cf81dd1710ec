#include "processors/deadline/working_calendar.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace minsheng::processors {
namespace {

constexpr absl::string_view kKeys[] = {"utc_offset", "working_hours", "weekend", "holidays",
                                       "working_days"};
// Indexed by absl::Weekday (monday = 0).
constexpr absl::string_view kWeekdayNames[] = {"monday", "tuesday",  "wednesday", "thursday",
                                               "friday", "saturday", "sunday"};
// No working time for this many days in a row: the calendar has none left.
constexpr int kMaxIdleDays = 3660;
// Deadlines further away than this are never (absl::InfiniteFuture()).
constexpr absl::Duration kHorizon = absl::Hours(24 * 36525);
// The longest range of holidays or working days one entry may list.
constexpr int kMaxRangeDays = 366;

absl::Status EntryError(absl::string_view key, int index, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(key, "[", index, "]: ", reason));
}

int WeekdayIndex(absl::CivilDay day) { return static_cast<int>(absl::GetWeekday(day)); }

// Two decimal digits at `text[at]`, or -1.
int TwoDigits(absl::string_view text, size_t at) {
  if (at + 2 > text.size() || !absl::ascii_isdigit(text[at]) ||
      !absl::ascii_isdigit(text[at + 1])) {
    return -1;
  }
  return (text[at] - '0') * 10 + (text[at + 1] - '0');
}

// "HH:MM" as minutes after midnight; "24:00" only when `end_of_day` is allowed.
std::optional<int> ParseClock(absl::string_view text, bool end_of_day) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  const int hours = TwoDigits(text, 0);
  const int minutes = TwoDigits(text, 3);
  if (hours < 0 || minutes < 0 || minutes > 59) return std::nullopt;
  if (hours > 23 && !(end_of_day && hours == 24 && minutes == 0)) return std::nullopt;
  return hours * 60 + minutes;
}

std::string FormatClock(int minutes) {
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

// "YYYY-MM-DD" naming a real date.
std::optional<absl::CivilDay> ParseDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int century = TwoDigits(text, 0);
  const int year_of_century = TwoDigits(text, 2);
  if (century < 0 || year_of_century < 0) return std::nullopt;
  const int year = century * 100 + year_of_century;
  const int month = TwoDigits(text, 5);
  const int day = TwoDigits(text, 8);
  if (month < 1 || day < 1) return std::nullopt;
  const absl::CivilDay date(year, month, day);
  if (date.year() != year || date.month() != month || date.day() != day) return std::nullopt;
  return date;
}

// "+08:00" / "-05:30" as seconds east of UTC.
std::optional<int> ParseOffset(absl::string_view text) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return std::nullopt;
  }
  const int hours = TwoDigits(text, 1);
  const int minutes = TwoDigits(text, 4);
  if (hours < 0 || hours > 14 || minutes < 0 || minutes > 59) return std::nullopt;
  const int seconds = (hours * 60 + minutes) * 60;
  return text[0] == '-' ? -seconds : seconds;
}

// The sequence under `key`, or an undefined/null node when the file leaves it out.
absl::StatusOr<YAML::Node> List(const YAML::Node& root, const char* key) {
  YAML::Node node = root[key];
  if (node.IsDefined() && !node.IsNull() && !node.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": expected a list"));
  }
  return node;
}

// Entry `index` of a date list: "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD", as its first and last
// day.
absl::StatusOr<std::pair<absl::CivilDay, absl::CivilDay>> ParseDateEntry(const YAML::Node& node,
                                                                         absl::string_view key,
                                                                         int index) {
  if (!node.IsScalar()) {
    return EntryError(key, index, "expected a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD");
  }
  const std::string& text = node.Scalar();
  const size_t dots = text.find("..");
  const std::string first_text = text.substr(0, dots);
  const std::string last_text = dots == std::string::npos ? text : text.substr(dots + 2);
  const std::optional<absl::CivilDay> first = ParseDate(first_text);
  if (!first) return EntryError(key, index, absl::StrCat("not a date: ", first_text));
  const std::optional<absl::CivilDay> last = ParseDate(last_text);
  if (!last) return EntryError(key, index, absl::StrCat("not a date: ", last_text));
  if (*last < *first) {
    return EntryError(key, index, absl::StrCat("range ends before it starts: ", text));
  }
  if (*last - *first >= kMaxRangeDays) {
    return EntryError(key, index,
                      absl::StrCat("range longer than ", kMaxRangeDays, " days: ", text));
  }
  return std::make_pair(*first, *last);
}

}  // namespace

absl::StatusOr<WorkingCalendar> WorkingCalendar::Parse(absl::string_view yaml) {
  WorkingCalendar calendar;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) {
      return absl::InvalidArgumentError("expected a mapping with utc_offset and working_hours");
    }
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown key ", key,
                         " (expected utc_offset, working_hours, weekend, holidays, working_days)"));
      }
    }

    // utc_offset
    const YAML::Node offset_node = root["utc_offset"];
    if (!offset_node.IsDefined() || offset_node.IsNull()) {
      return absl::InvalidArgumentError("utc_offset: missing");
    }
    const std::optional<int> offset =
        offset_node.IsScalar() ? ParseOffset(offset_node.Scalar()) : std::nullopt;
    if (!offset) {
      return absl::InvalidArgumentError(absl::StrCat(
          "utc_offset: not an offset like +08:00: ",
          offset_node.IsScalar() ? offset_node.Scalar() : std::string("a collection")));
    }
    calendar.time_zone_ = absl::FixedTimeZone(*offset);

    // working_hours
    absl::StatusOr<YAML::Node> hours = List(root, "working_hours");
    if (!hours.ok()) return hours.status();
    if (!hours->IsDefined() || hours->IsNull()) {
      return absl::InvalidArgumentError("working_hours: missing");
    }
    for (size_t i = 0; i < hours->size(); ++i) {
      const int index = static_cast<int>(i);
      const YAML::Node period = (*hours)[i];
      if (!period.IsSequence() || period.size() != 2 || !period[0].IsScalar() ||
          !period[1].IsScalar()) {
        return EntryError("working_hours", index,
                          "expected [start, end] like [\"08:30\", \"12:00\"]");
      }
      const std::string begin_text = period[0].Scalar();
      const std::string end_text = period[1].Scalar();
      const std::optional<int> begin = ParseClock(begin_text, /*end_of_day=*/false);
      if (!begin)
        return EntryError("working_hours", index, absl::StrCat("not a time: ", begin_text));
      const std::optional<int> end = ParseClock(end_text, /*end_of_day=*/true);
      if (!end) return EntryError("working_hours", index, absl::StrCat("not a time: ", end_text));
      if (*end <= *begin) {
        return EntryError("working_hours", index,
                          absl::StrCat("ends at ", end_text, ", not after its start ", begin_text));
      }
      if (!calendar.periods_.empty() && *begin < calendar.periods_.back().end) {
        return EntryError("working_hours", index,
                          absl::StrCat(begin_text, " is before the previous period ends at ",
                                       FormatClock(calendar.periods_.back().end)));
      }
      calendar.periods_.push_back({*begin, *end});
    }

    // weekend
    absl::StatusOr<YAML::Node> weekend = List(root, "weekend");
    if (!weekend.ok()) return weekend.status();
    if (weekend->IsDefined() && !weekend->IsNull()) {
      for (size_t i = 0; i < weekend->size(); ++i) {
        const int index = static_cast<int>(i);
        const YAML::Node name_node = (*weekend)[i];
        const std::string name =
            name_node.IsScalar() ? absl::AsciiStrToLower(name_node.Scalar()) : "a collection";
        const auto* found = std::find(std::begin(kWeekdayNames), std::end(kWeekdayNames), name);
        if (found == std::end(kWeekdayNames)) {
          return EntryError("weekend", index, absl::StrCat("not a weekday: ", name));
        }
        const size_t day = found - std::begin(kWeekdayNames);
        if (calendar.weekend_[day]) {
          return EntryError("weekend", index, absl::StrCat(name, " is listed twice"));
        }
        calendar.weekend_[day] = true;
      }
    }

    // holidays
    absl::StatusOr<YAML::Node> holidays = List(root, "holidays");
    if (!holidays.ok()) return holidays.status();
    if (holidays->IsDefined() && !holidays->IsNull()) {
      for (size_t i = 0; i < holidays->size(); ++i) {
        auto range = ParseDateEntry((*holidays)[i], "holidays", static_cast<int>(i));
        if (!range.ok()) return range.status();
        for (absl::CivilDay day = range->first; day <= range->second; ++day) {
          calendar.holidays_.insert(day);
        }
      }
    }

    // working_days
    absl::StatusOr<YAML::Node> working_days = List(root, "working_days");
    if (!working_days.ok()) return working_days.status();
    if (working_days->IsDefined() && !working_days->IsNull()) {
      for (size_t i = 0; i < working_days->size(); ++i) {
        const int index = static_cast<int>(i);
        auto range = ParseDateEntry((*working_days)[i], "working_days", index);
        if (!range.ok()) return range.status();
        for (absl::CivilDay day = range->first; day <= range->second; ++day) {
          if (calendar.holidays_.count(day) > 0) {
            return EntryError("working_days", index,
                              absl::StrCat(absl::FormatCivilTime(day), " is also in holidays"));
          }
          if (!calendar.weekend_[WeekdayIndex(day)]) {
            return EntryError(
                "working_days", index,
                absl::StrCat(absl::FormatCivilTime(day), " is a ", kWeekdayNames[WeekdayIndex(day)],
                             ", not a weekend day, so it is a working day already"));
          }
          calendar.working_days_.insert(day);
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not valid YAML: ", e.what()));
  }
  return calendar;
}

absl::StatusOr<WorkingCalendar> WorkingCalendar::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open (", std::strerror(errno), ")"));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  absl::StatusOr<WorkingCalendar> calendar = Parse(text.str());
  if (!calendar.ok()) {
    return absl::Status(calendar.status().code(),
                        absl::StrCat(path, ": ", calendar.status().message()));
  }
  return calendar;
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (working_days_.count(day) > 0) return true;
  if (holidays_.count(day) > 0) return false;
  return !weekend_[WeekdayIndex(day)];
}

absl::Time WorkingCalendar::DayStart(absl::CivilDay day) const {
  return absl::FromCivil(absl::CivilSecond(day), time_zone_);
}

absl::Time WorkingCalendar::AddWorkingTime(absl::Time start, absl::Duration working) const {
  if (working <= absl::ZeroDuration()) return start;
  if (start == absl::InfiniteFuture() || start == absl::InfinitePast()) return start;
  if (working == absl::InfiniteDuration()) return absl::InfiniteFuture();
  const absl::Time horizon = start + kHorizon;
  absl::Duration remaining = working;
  int idle_days = 0;
  for (absl::CivilDay day = absl::ToCivilDay(start, time_zone_); idle_days < kMaxIdleDays; ++day) {
    const absl::Time day_start = DayStart(day);
    if (day_start > horizon) break;
    if (!IsWorkingDay(day) || periods_.empty()) {
      ++idle_days;
      continue;
    }
    idle_days = 0;
    for (const Period& period : periods_) {
      const absl::Time end = day_start + absl::Minutes(period.end);
      if (end <= start) continue;
      const absl::Time from = std::max(start, day_start + absl::Minutes(period.begin));
      const absl::Duration available = end - from;
      if (remaining <= available) return from + remaining;
      remaining -= available;
    }
  }
  return absl::InfiniteFuture();
}

absl::Time WorkingCalendar::AddWorkingDays(absl::Time start, int days) const {
  if (days <= 0) return start;
  if (start == absl::InfiniteFuture() || start == absl::InfinitePast()) return start;
  if (periods_.empty()) return absl::InfiniteFuture();
  const absl::Time horizon = start + kHorizon;
  absl::CivilDay day = absl::ToCivilDay(start, time_zone_);
  absl::Duration time_of_day = start - DayStart(day);
  int idle_days = 0;
  if (!IsWorkingDay(day)) {
    // Count from the first period start of the next working day.
    do {
      ++day;
      if (++idle_days >= kMaxIdleDays || DayStart(day) > horizon) return absl::InfiniteFuture();
    } while (!IsWorkingDay(day));
    time_of_day = absl::Minutes(periods_.front().begin);
  }
  idle_days = 0;
  for (int counted = 0; counted < days;) {
    ++day;
    if (DayStart(day) > horizon) return absl::InfiniteFuture();
    if (IsWorkingDay(day)) {
      ++counted;
      idle_days = 0;
    } else if (++idle_days >= kMaxIdleDays) {
      return absl::InfiniteFuture();
    }
  }
  return DayStart(day) + time_of_day;
}

absl::Time WorkingCalendar::Deadline(absl::Time start, absl::Duration limit,
                                     bool clock_hours) const {
  return clock_hours ? start + limit : AddWorkingTime(start, limit);
}

}  // namespace minsheng::processors
