// review/review.h: the web app HIS reviewers work in (SPEC section 7).
//
// Served by the service itself on its event loop (review/http.h), at the
// configured `listen` address:
//
//   GET  /login, POST /login, POST /logout    sign-in (accounts: `intake users add`)
//   GET  /                                    worklist: held documents, oldest due first,
//                                             ?queue= and ?reason= filters, ?closed=1
//   GET  /documents/ID                        the document: pages with every field's box,
//                                             doubtful fields first with their crops, findings, queues
//   GET  /documents/ID/pages/N.png            page N of the document, at screen resolution
//   POST /documents/ID/approve                corrected values (field.KEY=...) and queues (queue=...)
//   POST /documents/ID/deficient              reason=... (the letter text)
//   POST /documents/ID/reclassify             form=AUTH|AMEND|VERBAL|OTHER
//   POST /documents/ID/reopen                 supervisors only
//   GET  /static/review.js, /static/review.css
//
// Nothing but the sign-in page and the static files is served without a
// session: pages redirect to /login, images answer 401. Every POST needs the
// session's CSRF token (form field `csrf`), else 403. Sessions are HttpOnly,
// SameSite=Strict cookies that end after `idle_timeout` unused; an account is
// locked for `lockout` after `max_failed_logins` failures in a row. Every
// view of a document or of one of its pages, and every change, is an audit
// row in the store (who, when, which document and field, before, after).
// HTML answers carry Content-Security-Policy: default-src 'self',
// X-Frame-Options: DENY and Cache-Control: no-store. With review.tls_cert
// and tls_key configured the server speaks HTTPS only and the cookies are
// Secure; without, keep `listen` on a loopback address or behind the
// hospital's TLS proxy.
//
//   HttpServer http(io);
//   ReviewApp app(http, store, archive, templates, ReviewOptionsFrom(config));
//   if (!config.review.tls_cert.empty()) http.UseTls(config.review.tls_cert, config.review.tls_key);
//   http.Listen(host, port);
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "calendar/calendar.h"
#include "config/config.h"
#include "decode/decode.h"
#include "review/http.h"
#include "store/store.h"
#include "templates/template.h"

namespace intake {

struct ReviewOptions {
  std::chrono::seconds idle_timeout{15 * 60};
  int max_failed_logins = 5;
  std::chrono::seconds lockout{15 * 60};
  double min_field_confidence = 0.9;  // fields below it are shown first, highlighted
  DecodeLimits limits;                // for decoding the archived files
  bool secure_cookies = false;        // served over TLS: cookies only go back over TLS
};

ReviewOptions ReviewOptionsFrom(const Config& config);

/// Splits "HOST:PORT" (the `listen` key, or `run --listen`).
Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& host_port);

class ReviewApp {
 public:
  /// Registers the routes above on `http`. Every argument must outlive the app.
  ReviewApp(HttpServer& http, Store& store, const Archive& archive, const TemplateSet& templates,
            ReviewOptions options);
  ~ReviewApp();
  ReviewApp(const ReviewApp&) = delete;
  ReviewApp& operator=(const ReviewApp&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake
