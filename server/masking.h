#ifndef MINSHENG_SERVER_MASKING_H_
#define MINSHENG_SERVER_MASKING_H_

#include "minsheng/v1/case.pb.h"

namespace minsheng::server {

// The case as any API may show it: personal data masked, sealed values left out.
v1::Case ForDisplay(v1::Case c);

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_MASKING_H_
