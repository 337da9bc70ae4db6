//! Latency summaries.

use serde_json::{Value, json};

/// Percentiles of a set of latencies recorded in microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub count: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Summary {
    pub fn of(mut us: Vec<u32>) -> Summary {
        if us.is_empty() {
            return Summary::default();
        }
        us.sort_unstable();
        let n = us.len();
        // Nearest rank: the smallest value with at least q of the samples at or below it.
        let at = |q: f64| us[((q * n as f64).ceil() as usize).clamp(1, n) - 1] as f64 / 1000.0;
        Summary {
            count: n,
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            max_ms: us[n - 1] as f64 / 1000.0,
            mean_ms: us.iter().map(|&v| v as f64).sum::<f64>() / n as f64 / 1000.0,
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "count": self.count,
            "p50_ms": round3(self.p50_ms),
            "p90_ms": round3(self.p90_ms),
            "p99_ms": round3(self.p99_ms),
            "max_ms": round3(self.max_ms),
            "mean_ms": round3(self.mean_ms),
        })
    }
}

pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

pub fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Microseconds of a duration, saturating at `u32::MAX` (71 minutes).
pub fn micros(d: std::time::Duration) -> u32 {
    d.as_micros().min(u32::MAX as u128) as u32
}
