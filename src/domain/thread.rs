//! Which comments of a thread a viewer sees: approved ones, the viewer's own held ones,
//! and deleted ones kept as placeholders while they have something visible below them.

use std::collections::HashSet;

use super::comment::{CommentId, CommentStatus};
use super::user::UserId;

/// What the visibility rule needs to know about a comment.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub id: CommentId,
    pub parent: Option<CommentId>,
    pub author: Option<UserId>,
    pub status: CommentStatus,
}

/// Whether `node` is visible to `viewer` in its own right (placeholders aside).
pub fn visible_to(node: &Node, viewer: Option<UserId>) -> bool {
    match node.status {
        CommentStatus::Approved => true,
        CommentStatus::Pending | CommentStatus::Rejected => {
            viewer.is_some() && node.author == viewer
        }
        CommentStatus::Deleted => false,
    }
}

/// The ids among `nodes` that `viewer` sees: visible ones, and deleted ones with a
/// visible descendant (as placeholders). Children have larger ids than their parents,
/// so one pass from the newest up settles every comment.
pub fn shown(nodes: &[Node], viewer: Option<UserId>) -> HashSet<CommentId> {
    let mut order: Vec<&Node> = nodes.iter().collect();
    order.sort_by_key(|n| std::cmp::Reverse(n.id));
    let mut shown = HashSet::new();
    let mut has_shown_child = HashSet::new();
    for node in order {
        let keep = visible_to(node, viewer)
            || (node.status == CommentStatus::Deleted && has_shown_child.contains(&node.id));
        if keep {
            shown.insert(node.id);
            if let Some(parent) = node.parent {
                has_shown_child.insert(parent);
            }
        }
    }
    shown
}

/// Deepest reply level; replies to a comment this deep become its siblings.
pub const MAX_DEPTH: i32 = 5;

/// What placing a reply needs to know about the comment replied to.
#[derive(Debug, Clone, Copy)]
pub struct Parent {
    pub id: CommentId,
    /// Its own parent.
    pub parent: Option<CommentId>,
    pub thread: CommentId,
    pub depth: i32,
    pub author: Option<UserId>,
    pub status: CommentStatus,
    /// Whether it is on the article the reply is for.
    pub same_article: bool,
}

/// Where a new comment goes in its thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub parent: Option<CommentId>,
    /// `None` for a top-level comment: it becomes its own thread.
    pub thread: Option<CommentId>,
    pub depth: i32,
}

impl Placement {
    /// A top-level comment.
    pub const TOP: Self = Self {
        parent: None,
        thread: None,
        depth: 0,
    };
}

/// Why a reply is refused, whatever the reason: a missing, hidden or foreign parent
/// answer alike, so replying reveals nothing about comments the author cannot see.
pub const NOT_REPLIABLE: &str = "is not a comment you can reply to";

/// Where `author`'s reply to `parent` goes: under it, or beside it once the thread is
/// `MAX_DEPTH` deep. Only approved comments, and the author's own held ones, take
/// replies, and only from the same article (else `NOT_REPLIABLE`).
pub fn place_reply(parent: &Parent, author: UserId) -> Result<Placement, &'static str> {
    let own_held = parent.author == Some(author) && parent.status == CommentStatus::Pending;
    if !parent.same_article || (parent.status != CommentStatus::Approved && !own_held) {
        return Err(NOT_REPLIABLE);
    }
    Ok(beneath(parent))
}

/// The depth rule alone: a reply goes under `parent`, or beside it once the thread is
/// `MAX_DEPTH` deep. Imports place their replies with it too.
pub fn beneath(parent: &Parent) -> Placement {
    if parent.depth >= MAX_DEPTH {
        Placement {
            parent: parent.parent,
            thread: Some(parent.thread),
            depth: MAX_DEPTH,
        }
    } else {
        Placement {
            parent: Some(parent.id),
            thread: Some(parent.thread),
            depth: parent.depth + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, parent: Option<i64>, author: i64, status: CommentStatus) -> Node {
        Node {
            id: CommentId(id),
            parent: parent.map(CommentId),
            author: Some(UserId(author)),
            status,
        }
    }

    #[test]
    fn deleted_comments_stay_only_above_visible_ones() {
        use CommentStatus::*;
        let nodes = [
            node(1, None, 1, Deleted),
            node(2, Some(1), 2, Deleted),
            node(3, Some(2), 3, Approved),
            node(4, Some(1), 2, Deleted),
            node(5, Some(4), 3, Pending),
        ];
        let anonymous = shown(&nodes, None);
        assert_eq!(anonymous, [1, 2, 3].map(CommentId).into_iter().collect());
        let author_of_5 = shown(&nodes, Some(UserId(3)));
        assert_eq!(
            author_of_5,
            [1, 2, 3, 4, 5].map(CommentId).into_iter().collect()
        );
    }

    #[test]
    fn held_comments_show_only_to_their_author() {
        use CommentStatus::*;
        let nodes = [node(1, None, 1, Pending), node(2, None, 1, Rejected)];
        assert!(shown(&nodes, None).is_empty());
        assert!(shown(&nodes, Some(UserId(2))).is_empty());
        assert_eq!(shown(&nodes, Some(UserId(1))).len(), 2);
    }

    fn parent(depth: i32, status: CommentStatus) -> Parent {
        Parent {
            id: CommentId(9),
            parent: Some(CommentId(8)),
            thread: CommentId(1),
            depth,
            author: Some(UserId(3)),
            status,
            same_article: true,
        }
    }

    #[test]
    fn replies_nest_until_the_deepest_level_then_become_siblings() {
        let under = place_reply(&parent(2, CommentStatus::Approved), UserId(4));
        assert_eq!(
            under,
            Ok(Placement {
                parent: Some(CommentId(9)),
                thread: Some(CommentId(1)),
                depth: 3
            })
        );
        let beside = place_reply(&parent(MAX_DEPTH, CommentStatus::Approved), UserId(4));
        assert_eq!(
            beside,
            Ok(Placement {
                parent: Some(CommentId(8)),
                thread: Some(CommentId(1)),
                depth: MAX_DEPTH
            })
        );
    }

    #[test]
    fn only_approved_comments_and_ones_own_held_ones_take_replies() {
        let held = parent(0, CommentStatus::Pending);
        assert!(place_reply(&held, UserId(3)).is_ok());
        assert_eq!(place_reply(&held, UserId(4)), Err(NOT_REPLIABLE));
        let rejected = parent(0, CommentStatus::Rejected);
        assert_eq!(place_reply(&rejected, UserId(3)), Err(NOT_REPLIABLE));
        let elsewhere = Parent {
            same_article: false,
            ..parent(0, CommentStatus::Approved)
        };
        assert_eq!(place_reply(&elsewhere, UserId(4)), Err(NOT_REPLIABLE));
    }
}
