//! A single-shard, many-sender mailbox: how tasks on one executor hand results to a connection.
//!
//! Everything stays on one thread, so an `Rc<RefCell<..>>` queue with one waker is enough; the
//! connection polls it inside its own `poll_fn` next to the socket and the timer.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Debug)]
struct Inner<T> {
    queue: VecDeque<T>,
    waker: Option<Waker>,
    closed: bool,
}

/// The sending side; clone it freely (same shard only).
#[derive(Debug)]
pub(crate) struct MailboxSender<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Clone for MailboxSender<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Rc::clone(&self.inner),
        }
    }
}

/// The receiving side, owned by one connection task.
#[derive(Debug)]
pub(crate) struct Mailbox<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

/// A new mailbox and its first sender.
pub(crate) fn mailbox<T>() -> (MailboxSender<T>, Mailbox<T>) {
    let inner = Rc::new(RefCell::new(Inner {
        queue: VecDeque::new(),
        waker: None,
        closed: false,
    }));
    (
        MailboxSender {
            inner: Rc::clone(&inner),
        },
        Mailbox { inner },
    )
}

impl<T> MailboxSender<T> {
    /// Queues `message`; hands it back when the receiver is gone.
    pub(crate) fn send(&self, message: T) -> Result<(), T> {
        let mut inner = self.inner.borrow_mut();
        if inner.closed {
            return Err(message);
        }
        inner.queue.push_back(message);
        if let Some(waker) = inner.waker.take() {
            waker.wake();
        }
        Ok(())
    }
}

impl<T> Mailbox<T> {
    /// The next message, or `Pending` with the waker registered.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.inner.borrow_mut();
        match inner.queue.pop_front() {
            Some(message) => Poll::Ready(message),
            None => {
                inner.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// A sender for this mailbox.
    pub(crate) fn sender(&self) -> MailboxSender<T> {
        MailboxSender {
            inner: Rc::clone(&self.inner),
        }
    }

    /// Refuses further messages and returns those still queued.
    pub(crate) fn close(&self) -> Vec<T> {
        let mut inner = self.inner.borrow_mut();
        inner.closed = true;
        inner.waker = None;
        inner.queue.drain(..).collect()
    }
}

impl<T> Drop for Mailbox<T> {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.closed = true;
        inner.waker = None;
    }
}
