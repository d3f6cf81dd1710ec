#ifndef MINSHENG_PROCESSORS_DEADLINE_WORKING_CALENDAR_H_
#define MINSHENG_PROCESSORS_DEADLINE_WORKING_CALENDAR_H_

#include <array>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace minsheng::processors {

// The working time of a 12345 centre: the working periods of each working day, the weekend, the
// public holidays and the adjusted working days (调休) of the State Council's yearly arrangement.
// Deadlines of normal cases run in working time ("4 working hours", "7 working days"); urgent and
// emergency cases count clock hours. Read from YAML:
//
//   utc_offset: "+08:00"                                  # required; the centre's local time
//   working_hours: [["08:30", "12:00"], ["14:00", "17:30"]]  # required; sorted, not overlapping
//   weekend: [saturday, sunday]                           # English weekday names
//   holidays: ["2025-01-01", "2025-01-28..2025-02-04"]    # days off; a range covers both ends
//   working_days: ["2025-01-26", "2025-02-08"]            # weekend days that are working days
//
// Errors are InvalidArgument naming the key and the entry, e.g. "holidays[3]: not a date:
// 2025-13-01" or "working_hours[1]: 11:00 is before the previous period ends at 12:00". Unknown
// keys, a range longer than 366 days, a date both in holidays and working_days, and a working
// day that is not a weekend day (a typo: it would change nothing) are errors too. A calendar
// may have no working time at all (empty working_hours, seven weekend days); its working-time
// deadlines are then absl::InfiniteFuture().
//
// Dates beyond the listed holidays are counted with the weekend only, so the file must be
// extended every year when the State Council publishes the next arrangement.
class WorkingCalendar {
 public:
  // Reads the YAML file at `path`: NotFound when it cannot be opened, InvalidArgument prefixed
  // with the path when it is not a valid calendar.
  static absl::StatusOr<WorkingCalendar> Load(const std::string& path);
  // The same from YAML text (errors without a path).
  static absl::StatusOr<WorkingCalendar> Parse(absl::string_view yaml);

  // The centre's local time (a fixed UTC offset).
  absl::TimeZone time_zone() const { return time_zone_; }

  // Whether `day` (a local date) is a working day: a listed working day, or neither a holiday
  // nor a weekend day.
  bool IsWorkingDay(absl::CivilDay day) const;

  // The instant at which `working` of working time has passed since `start`, counting only time
  // inside the working periods of working days. A start outside working hours begins at the next
  // period's start; a result exactly at a period's end stays there (12:00, not 14:00). A zero or
  // negative duration gives `start`. When there is no working time for ten years in a row, or
  // the result would lie more than a hundred years after `start`, the result is
  // absl::InfiniteFuture() (the deadline never comes).
  absl::Time AddWorkingTime(absl::Time start, absl::Duration working) const;

  // The same local clock time `days` working days later ("办结 within 7 working days"): from
  // Monday 10:00, one working day is Tuesday 10:00 (or the next working day's 10:00). A start on
  // a day that is not a working day counts from the next working day's first period start
  // (a case received on a holiday is due `days` working days after 08:30 of the first working
  // day). Zero or negative `days` give `start`; no such day within the limits of
  // AddWorkingTime gives absl::InfiniteFuture().
  absl::Time AddWorkingDays(absl::Time start, int days) const;

  // The deadline of a case received at `start` with time limit `limit`: clock time for urgent
  // and emergency cases (`clock_hours`, start + limit), working time otherwise.
  absl::Time Deadline(absl::Time start, absl::Duration limit, bool clock_hours) const;

 private:
  // A working period of each working day, in minutes after local midnight, [begin, end).
  struct Period {
    int begin = 0;
    int end = 0;
  };

  WorkingCalendar() = default;

  // Local midnight at the start of `day`.
  absl::Time DayStart(absl::CivilDay day) const;

  absl::TimeZone time_zone_;
  std::vector<Period> periods_;
  std::array<bool, 7> weekend_{};  // indexed by absl::Weekday (monday = 0)
  std::set<absl::CivilDay> holidays_;
  std::set<absl::CivilDay> working_days_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_DEADLINE_WORKING_CALENDAR_H_
