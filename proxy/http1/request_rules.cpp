#include "proxy/http1/request_rules.h"

namespace ratls::proxy::http1 {

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// The origin-form the upstream gets, or an error.
std::variant<std::string, HttpError> origin_form(const RequestHead& r, std::string_view host) {
  const std::string& t = r.target;
  if (t.find('#') != std::string::npos) return HttpError{400, "a fragment in the request target"};
  if (t.front() == '/') return t;
  if (t == "*") {
    return HttpError{400, "asterisk-form requests (OPTIONS *) are not forwarded to apps"};
  }
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!starts_with_ci(t, scheme)) continue;
    const std::string_view rest = std::string_view(t).substr(scheme.size());
    const auto path_start = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, path_start);
    // Only a request for the very name it is addressed to: absolute-form must not route
    // elsewhere than Host does (RFC 9112 §3.2.2 lets the target win; the gateway refuses the
    // disagreement instead of picking one).
    if (authority.empty() || !iequals(authority, host)) {
      return HttpError{400, "an absolute-form request target for another host than Host"};
    }
    if (path_start == std::string_view::npos) return std::string("/");
    std::string path;
    if (rest[path_start] == '?') path.push_back('/');
    path.append(rest.substr(path_start));
    return path;
  }
  return HttpError{400, "the request target is not a path (origin-form)"};
}

}  // namespace

std::variant<RequestPlan, HttpError> plan_request(const RequestHead& r) {
  if (r.method == "CONNECT")
    return HttpError{405, "CONNECT is not served: this is not a forward proxy"};
  const std::size_t hosts = r.fields.count("Host");
  if (hosts > 1) return HttpError{400, "more than one Host field"};
  if (hosts == 0) return HttpError{400, "the request has no Host field"};
  RequestPlan plan;
  auto target = origin_form(r, *r.fields.find("Host"));
  if (auto* e = std::get_if<HttpError>(&target)) return *e;
  plan.origin_target = std::move(std::get<std::string>(target));

  auto framing = request_framing(r);
  if (auto* e = std::get_if<HttpError>(&framing)) return *e;
  plan.framing = std::get<Framing>(framing);
  const bool has_body = plan.framing.kind == Framing::Kind::kChunked ||
                        (plan.framing.kind == Framing::Kind::kLength && plan.framing.length > 0);
  // Servers commonly ignore bodies of these methods; a body they skip would be read as the next
  // request, so none is forwarded at all.
  if (has_body && (r.method == "GET" || r.method == "HEAD" || r.method == "TRACE")) {
    return HttpError{400, "a " + r.method + " request with a body"};
  }

  const std::size_t expects = r.fields.count("Expect");
  if (expects > 0 && r.minor_version == 1) {
    const auto values = r.fields.list("Expect");
    if (expects > 1 || values.size() != 1 || values.front() != "100-continue") {
      return HttpError{417, "only \"Expect: 100-continue\" is supported"};
    }
    plan.expect_continue = has_body;
  }

  if (r.minor_version == 1) {
    plan.keep_alive = !r.fields.has_token("Connection", "close");
  } else {
    plan.keep_alive = r.fields.has_token("Connection", "keep-alive") &&
                      !r.fields.has_token("Connection", "close");
  }
  return plan;
}

}  // namespace ratls::proxy::http1
