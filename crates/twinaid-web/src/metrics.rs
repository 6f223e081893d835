//! `/metrics` in the Prometheus text format (version 0.0.4): requests by
//! route and status, their latency, the database's connections, running
//! imports and kept results. Written here rather than with a client crate:
//! the format is a few lines of text, and the crates write OpenMetrics or
//! bring a dozen dependencies.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Latency {
    /// Requests at or under each bound (not yet cumulative).
    within: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What the server counted since it started.
#[derive(Default)]
pub struct Metrics {
    /// Requests by (method, route template, status).
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// Latency by route template.
    latency: Mutex<BTreeMap<String, Latency>>,
}

/// What is read when metrics are asked for, not counted as it happens.
pub struct Gauges {
    /// (pool, in use, idle).
    pub connections: Vec<(&'static str, u32, u32)>,
    pub imports_running: usize,
    pub imports_at_once: usize,
    /// (kept result, (hits, misses)).
    pub kept: Vec<(&'static str, (u64, u64))>,
}

impl Metrics {
    /// Counts one answered request. `route` is a template (never the values
    /// in a path), so the number of series stays bounded.
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_string(), route.to_string(), status))
                .or_insert(0) += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry(route.to_string()).or_default();
            h.count += 1;
            h.sum += seconds;
            if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
                h.within[i] += 1;
            }
        }
    }

    /// Everything in the Prometheus text format.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP twinaid_http_requests_total Requests answered, by method, route template and status.\n\
             # TYPE twinaid_http_requests_total counter\n",
        );
        if let Ok(r) = self.requests.lock() {
            for ((method, route, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "twinaid_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(method),
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP twinaid_http_request_duration_seconds Time to answer a request, by route template.\n\
             # TYPE twinaid_http_request_duration_seconds histogram\n",
        );
        if let Ok(l) = self.latency.lock() {
            for (route, h) in l.iter() {
                let route = escape(route);
                let mut cumulative = 0;
                for (bound, n) in BUCKETS.iter().zip(h.within) {
                    cumulative += n;
                    let _ = writeln!(
                        out,
                        "twinaid_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    out,
                    "twinaid_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                     twinaid_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                     twinaid_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count, h.sum, h.count
                );
            }
        }
        out.push_str(
            "# HELP twinaid_db_connections Database connections by pool (main; writer: SQLite's one writing connection) and state.\n\
             # TYPE twinaid_db_connections gauge\n",
        );
        for (pool, busy, idle) in &gauges.connections {
            let _ = writeln!(
                out,
                "twinaid_db_connections{{pool=\"{pool}\",state=\"in_use\"}} {busy}\n\
                 twinaid_db_connections{{pool=\"{pool}\",state=\"idle\"}} {idle}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP twinaid_imports_running Imports from the web pages and the API being read or written now.\n\
             # TYPE twinaid_imports_running gauge\n\
             twinaid_imports_running {}\n\
             # HELP twinaid_imports_at_once Imports that may run at once (a setting); more wait, then get 429.\n\
             # TYPE twinaid_imports_at_once gauge\n\
             twinaid_imports_at_once {}",
            gauges.imports_running, gauges.imports_at_once
        );
        out.push_str(
            "# HELP twinaid_kept_lookups_total Lookups of kept (cached) results, by what is kept and whether it was there at the current data version.\n\
             # TYPE twinaid_kept_lookups_total counter\n",
        );
        for (kept, (hits, misses)) in &gauges.kept {
            let _ = writeln!(
                out,
                "twinaid_kept_lookups_total{{kept=\"{kept}\",outcome=\"hit\"}} {hits}\n\
                 twinaid_kept_lookups_total{{kept=\"{kept}\",outcome=\"miss\"}} {misses}"
            );
        }
        out
    }
}

/// A label value as the format wants it: `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_their_latency_bucketed() {
        let m = Metrics::default();
        m.record("GET", "/records/{kind}", 200, 0.02);
        m.record("GET", "/records/{kind}", 200, 0.3);
        m.record("POST", "/signin", 303, 0.004);
        let text = m.render(&Gauges {
            connections: vec![("main", 1, 3)],
            imports_running: 0,
            imports_at_once: 2,
            kept: vec![("yearbook", (5, 2))],
        });
        assert!(text.contains(
            "twinaid_http_requests_total{method=\"GET\",route=\"/records/{kind}\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "twinaid_http_request_duration_seconds_bucket{route=\"/records/{kind}\",le=\"0.025\"} 1"
        ));
        assert!(text.contains(
            "twinaid_http_request_duration_seconds_bucket{route=\"/records/{kind}\",le=\"0.5\"} 2"
        ));
        assert!(text.contains("twinaid_db_connections{pool=\"main\",state=\"idle\"} 3"));
        assert!(text.contains("twinaid_kept_lookups_total{kept=\"yearbook\",outcome=\"miss\"} 2"));
        // Every line is a comment or `name{labels} value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
