//! Background tasks that belong to something (a tab, a browser) and must
//! stop with it: tokio keeps a task running after its handle is dropped.

use tokio::task::JoinHandle;

/// Aborts its tasks when dropped.
#[derive(Debug, Default)]
pub(crate) struct Tasks(Vec<JoinHandle<()>>);

impl Tasks {
    pub(crate) fn one(task: JoinHandle<()>) -> Self {
        Tasks(vec![task])
    }

    pub(crate) fn push(&mut self, task: JoinHandle<()>) {
        self.0.push(task);
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}
