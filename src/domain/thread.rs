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
}
