#include "attest/tcb_status.h"

namespace ratls::attest {}  // namespace ratls::attest
