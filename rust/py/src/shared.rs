//! Shared ownership for the data events share (path nodes, a string's text so far), without
//! atomic operations where the GIL already serializes every access.
//!
//! A delta event clones two shared handles and takes one lock, and drops them again when Python
//! frees it. With `Arc` and `Mutex` that is six atomic read-modify-writes per event, about 25 ns
//! measured here, a tenth of a token's whole cost. Every clone, drop and access of these handles
//! happens on a thread attached to the interpreter: in the parser's methods, in an event's getters
//! and in its `tp_dealloc`. With the GIL those run one at a time, so plain counters and a
//! `RefCell` are enough; on a free-threaded build they are `Arc` and `Mutex` again.

#[cfg(not(Py_GIL_DISABLED))]
mod imp {
    use std::cell::{RefCell, RefMut};
    use std::ops::Deref;
    use std::rc::Rc;

    /// A reference-counted handle for attached code only (see the module docs).
    pub struct Shared<T>(Rc<T>);

    // SAFETY: the handles are created, cloned, read and dropped only by threads attached to the
    // interpreter, which the GIL lets run one at a time, so the non-atomic count and the
    // `RefCell` flag are never touched by two threads at once.
    unsafe impl<T> Send for Shared<T> {}
    // SAFETY: as above.
    unsafe impl<T> Sync for Shared<T> {}

    impl<T> Shared<T> {
        pub fn new(value: T) -> Self {
            Shared(Rc::new(value))
        }
    }

    /// True when `this` is the only handle (no event or node holds another).
    pub fn is_unique<T>(this: &Shared<T>) -> bool {
        Rc::strong_count(&this.0) == 1 && Rc::weak_count(&this.0) == 0
    }

    impl<T> Clone for Shared<T> {
        fn clone(&self) -> Self {
            Shared(Rc::clone(&self.0))
        }
    }

    impl<T> Deref for Shared<T> {
        type Target = T;
        fn deref(&self) -> &T {
            &self.0
        }
    }

    /// The cell inside shared mutable data.
    pub type Cell<T> = RefCell<T>;

    /// Mutable access to a cell's value. Nothing that holds it calls back into Python, so it is
    /// never asked for twice at once.
    pub fn lock<T>(cell: &Cell<T>) -> RefMut<'_, T> {
        cell.borrow_mut()
    }
}

#[cfg(Py_GIL_DISABLED)]
mod imp {
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

    pub type Shared<T> = Arc<T>;
    pub type Cell<T> = Mutex<T>;

    /// True when `this` is the only handle (no event or node holds another). A handle nobody
    /// else holds cannot be cloned meanwhile, so the answer stays true while `this` is held.
    pub fn is_unique<T>(this: &Shared<T>) -> bool {
        Arc::strong_count(this) == 1 && Arc::weak_count(this) == 0
    }

    pub fn lock<T>(cell: &Cell<T>) -> MutexGuard<'_, T> {
        cell.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub use imp::{is_unique, lock, Cell, Shared};
