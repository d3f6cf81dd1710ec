#ifndef MINSHENG_SERVER_MASKING_H_
#define MINSHENG_SERVER_MASKING_H_

#include <string>

#include "absl/strings/string_view.h"
#include "minsheng/v1/case.pb.h"

namespace minsheng::server {

// "13812348000" -> "138****8000": the first three and last four characters stay, so a caller can
// recognise their own number; shorter numbers keep only their last two.
std::string MaskPhone(absl::string_view phone);

// The case as any API may show it: personal data masked.
v1::Case ForDisplay(v1::Case c);

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_MASKING_H_
