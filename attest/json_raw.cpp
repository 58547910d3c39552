#include "attest/json_raw.h"

namespace ratls::attest {}  // namespace ratls::attest
