//! What the process and the machine look like: memory from `/proc/self/status`, CPU time from
//! `/proc/self/stat` and `/proc/stat` (to tell our own load from other processes'), the CPU model.

use std::time::Instant;

/// A `/proc/self/status` field in kB (`VmHWM`, `VmRSS`).
pub fn status_kb(field: &str) -> Option<u64> {
    status_kb_of("self", field)
}

/// The same field of another process (`/proc/<pid>/status`).
pub fn status_kb_of(pid: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok())
}

/// Peak resident memory so far (or since the last [`reset_peak`]), in MB.
pub fn peak_rss_mb() -> f64 {
    status_kb("VmHWM").unwrap_or(0) as f64 / 1024.0
}

/// Resets `VmHWM` to the current resident size (Linux >= 4.0). Answers whether it worked.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub mem_total_mb: u64,
    pub kernel: String,
    pub loadavg: String,
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_total_mb =
        meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()).unwrap_or(0)
            / 1024;
    Machine {
        cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        cpu_model,
        mem_total_mb,
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string(),
        loadavg: loadavg(),
    }
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// Clock ticks per second of `/proc` CPU times (USER_HZ; 100 on every Linux this runs on).
const TICKS: f64 = 100.0;

fn self_cpu_ticks() -> u64 {
    // Fields after the command name (which is in parentheses and may hold spaces).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
    // After ')': state(0) ppid(1) ... utime(11) stime(12).
    f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)
}

/// CPU ticks of this process's threads, summed by thread name (`sqlite-writer`,
/// `tokio-runtime-w`orker, `load-generator`, ...). Threads that ended are not counted.
fn thread_ticks() -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = stat[open + 1..close].to_string();
        let f: Vec<u64> = stat[close + 1..].split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
        *out.entry(name).or_insert(0) += f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    }
    out
}

/// Busy ticks of the whole machine (all CPUs; iowait counted as idle).
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().find(|l| l.starts_with("cpu ")) else { return 0 };
    let v: Vec<u64> = cpu.split_whitespace().skip(1).map(|x| x.parse().unwrap_or(0)).collect();
    // user nice system idle iowait irq softirq steal
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    get(0) + get(1) + get(2) + get(5) + get(6) + get(7)
}

/// CPU use over a span: ours, and everybody else's (contention from other jobs).
pub struct CpuWatch {
    start: Instant,
    own: u64,
    busy: u64,
    threads: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Clone)]
pub struct CpuUse {
    /// CPU seconds used by this process per wall second (2.0 = both cores of a 2-core machine).
    pub own_cores: f64,
    /// CPU seconds used by other processes per wall second.
    pub other_cores: f64,
    /// CPU seconds per wall second of this process's threads, by thread name.
    pub threads: Vec<(String, f64)>,
}

impl CpuWatch {
    pub fn start() -> Self {
        Self { start: Instant::now(), own: self_cpu_ticks(), busy: machine_busy_ticks(), threads: thread_ticks() }
    }

    pub fn stop(&self) -> CpuUse {
        let wall = self.start.elapsed().as_secs_f64().max(1e-3);
        let own = (self_cpu_ticks().saturating_sub(self.own)) as f64 / TICKS;
        let busy = (machine_busy_ticks().saturating_sub(self.busy)) as f64 / TICKS;
        let mut threads: Vec<(String, f64)> = thread_ticks()
            .into_iter()
            .map(|(name, t)| (name.clone(), t.saturating_sub(self.threads.get(&name).copied().unwrap_or(0)) as f64 / TICKS / wall))
            .filter(|(_, c)| *c >= 0.005)
            .collect();
        // Threads that ended in the span (the load generator's) count in the process only.
        let listed: f64 = threads.iter().map(|t| t.1).sum();
        if own / wall - listed >= 0.005 {
            threads.push(("ended threads (load generator)".into(), own / wall - listed));
        }
        CpuUse { own_cores: own / wall, other_cores: ((busy - own) / wall).max(0.0), threads }
    }
}
