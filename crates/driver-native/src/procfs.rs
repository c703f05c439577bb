//! The game's processes as the kernel sees them (`/proc`): every process
//! descended from the sandbox's, their threads' states, CPU time and
//! voluntary context switches. That tells a game busy in a loop (CPU time
//! growing as fast as the clock) from one blocked for good (no thread
//! wakes up at all) from a live one, when the game's window cannot be
//! asked.

use std::collections::HashMap;
use std::fs;

/// Clock ticks a second of `/proc/<pid>/stat`'s CPU times (`USER_HZ`,
/// 100 on every Linux the kernel's ABI promises it to user space).
const TICKS_PER_SECOND: u64 = 100;

/// A sum over the game's threads at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TreeSample {
    /// Processes in the tree (the sandbox's own process not counted).
    pub(crate) processes: usize,
    /// CPU time used so far, in milliseconds.
    pub(crate) cpu_ms: u64,
    /// Times a thread gave up the CPU to wait (for input, a timer, a lock).
    pub(crate) wakeups: u64,
    /// Threads running or ready to run now.
    pub(crate) running: usize,
}

/// Samples the processes descended from `root` (the sandbox's process on
/// the host), without `root` itself.
pub(crate) fn sample_tree(root: u32) -> TreeSample {
    let parents = parents();
    let mut sample = TreeSample::default();
    for (&pid, _) in parents.iter() {
        if pid == root || !descends_from(pid, root, &parents) {
            continue;
        }
        sample.processes += 1;
        let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let path = task.path();
            if let Ok(stat) = fs::read_to_string(path.join("stat"))
                && let Some(fields) = stat_fields(&stat)
            {
                if matches!(fields.state, 'R') {
                    sample.running += 1;
                }
                sample.cpu_ms += (fields.utime + fields.stime) * 1000 / TICKS_PER_SECOND;
            }
            if let Ok(status) = fs::read_to_string(path.join("status")) {
                sample.wakeups += status_value(&status, "voluntary_ctxt_switches").unwrap_or(0);
            }
        }
    }
    sample
}

/// Every process's parent, from `/proc/<pid>/stat`.
fn parents() -> HashMap<u32, u32> {
    let mut parents = HashMap::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return parents;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(stat) = fs::read_to_string(entry.path().join("stat"))
            && let Some(fields) = stat_fields(&stat)
        {
            parents.insert(pid, fields.ppid);
        }
    }
    parents
}

fn descends_from(mut pid: u32, root: u32, parents: &HashMap<u32, u32>) -> bool {
    // A chain longer than the table has a loop (pids reused mid-scan).
    for _ in 0..=parents.len() {
        match parents.get(&pid) {
            Some(&parent) if parent == root => return true,
            Some(&parent) if parent > 1 => pid = parent,
            _ => return false,
        }
    }
    false
}

struct StatFields {
    state: char,
    ppid: u32,
    utime: u64,
    stime: u64,
}

/// The fields of a `stat` line after the command name, which is in
/// parentheses and may itself hold spaces and parentheses.
fn stat_fields(stat: &str) -> Option<StatFields> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) ... utime(14) stime(15), counted
    // from 1 over the whole line.
    Some(StatFields {
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        utime: fields.get(11)?.parse().ok()?,
        stime: fields.get(12)?.parse().ok()?,
    })
}

fn status_value(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|value| value.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_survive_names_with_spaces_and_parentheses() {
        let stat = "42 (my (game) x) S 7 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 3 0";
        let fields = stat_fields(stat).unwrap();
        assert_eq!(fields.state, 'S');
        assert_eq!(fields.ppid, 7);
        assert_eq!((fields.utime, fields.stime), (250, 30));
    }

    #[test]
    fn a_child_process_is_sampled_with_its_cpu_and_wakeups() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let sample = sample_tree(std::process::id());
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(sample.processes >= 1, "{sample:?}");
    }
}
