#include "attest/der.h"

namespace ratls::attest {}  // namespace ratls::attest
