#include "attest/quote.h"

namespace ratls::attest {}  // namespace ratls::attest
