//! The log writer: lines are appended to a shared buffer in memory, and one thread
//! (`edugraph-log`) takes the whole buffer every few milliseconds and writes it out with
//! one call. A request appends its line under a short lock: no allocation, no system call,
//! no wake-up of another thread (a channel that wakes its reader for every line costs a
//! futex call per request, which showed in the throughput of the entity read).
//!
//! Lossy by choice: past [`MAX_BUFFERED`] bytes waiting (the output blocked, or lines
//! arriving faster than they can be written) new lines are dropped rather than making
//! requests wait. The thread sleeps [`MIN_PAUSE`] after writing something and up to
//! [`MAX_PAUSE`] while idle, so a line shows within a tenth of a second.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// Bytes held for the writer thread before new lines are dropped.
pub const MAX_BUFFERED: usize = 4 * 1024 * 1024;
const MIN_PAUSE: Duration = Duration::from_millis(2);
const MAX_PAUSE: Duration = Duration::from_millis(100);

struct Shared {
    buffer: Mutex<Vec<u8>>,
    stop: AtomicBool,
}

/// A handle that appends to the buffer; cheap to clone.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Owns the writer thread; dropping it writes out what is buffered and stops the thread.
pub struct WriterGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread over `out`.
pub fn start(out: impl Write + Send + 'static) -> (LogWriter, WriterGuard) {
    let shared = Arc::new(Shared {
        buffer: Mutex::new(Vec::with_capacity(64 * 1024)),
        stop: AtomicBool::new(false),
    });
    let thread_shared = shared.clone();
    let thread = std::thread::Builder::new()
        .name("edugraph-log".into())
        .spawn(move || drain(&thread_shared, out))
        .ok();
    (
        LogWriter {
            shared: shared.clone(),
        },
        WriterGuard { shared, thread },
    )
}

fn drain(shared: &Shared, mut out: impl Write) {
    let mut spare = Vec::with_capacity(64 * 1024);
    let mut pause = MIN_PAUSE;
    loop {
        // Read the flag before taking the buffer, so nothing appended before the stop
        // is left behind.
        let stopping = shared.stop.load(Ordering::Acquire);
        {
            let mut buffer = shared.buffer.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::swap(&mut *buffer, &mut spare);
        }
        if spare.is_empty() {
            pause = (pause * 2).min(MAX_PAUSE);
        } else {
            let _ = out.write_all(&spare);
            let _ = out.flush();
            spare.clear();
            pause = MIN_PAUSE;
        }
        if stopping {
            return;
        }
        std::thread::park_timeout(pause);
    }
}

impl LogWriter {
    /// Appends `line` unless the buffer is full.
    pub fn append(&self, line: &[u8]) {
        let mut buffer = self.shared.buffer.lock().unwrap_or_else(|p| p.into_inner());
        if buffer.len() + line.len() <= MAX_BUFFERED {
            buffer.extend_from_slice(line);
        }
    }
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.append(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_by_the_time_the_guard_is_dropped() {
        let captured = Captured::default();
        let (writer, guard) = start(captured.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..500 {
                        writer.append(format!("{t}-{i}\n").as_bytes());
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 2000);
        assert!(text.lines().any(|l| l == "3-499"));
    }

    #[test]
    fn lines_past_the_bound_are_dropped_whole() {
        let shared = Arc::new(Shared {
            buffer: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let writer = LogWriter { shared };
        let line = vec![b'x'; 1024 * 1024];
        for _ in 0..5 {
            writer.append(&line);
        }
        assert_eq!(writer.shared.buffer.lock().unwrap().len(), MAX_BUFFERED);
    }
}
