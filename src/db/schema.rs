//! The one schema both backends share, written by hand with portable SQL types only.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        username_key -> Nullable<Text>,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        sso_subject -> Nullable<Text>,
        role -> Text,
        status -> Text,
        banned_until -> Nullable<Timestamp>,
        ban_reason -> Nullable<Text>,
        approved_count -> BigInt,
        rejected_count -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        username_skeleton -> Nullable<Text>,
        email_verified_at -> Nullable<Timestamp>,
        language -> Text,
        notify_replies -> Bool,
        moderator_digest -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    app_meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    sso_seen_tokens (jti) {
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        key -> Text,
        title -> Nullable<Text>,
        url -> Nullable<Text>,
        status -> Text,
        moderation -> Text,
        closes_at -> Nullable<Timestamp>,
        comment_count -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        pending_count -> BigInt,
        reported_count -> BigInt,
        last_comment_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        article_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        thread_id -> BigInt,
        depth -> Integer,
        author_id -> Nullable<BigInt>,
        body -> Text,
        html -> Text,
        status -> Text,
        moderation_reason -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
        moderated_by -> Nullable<BigInt>,
        moderated_at -> Nullable<Timestamp>,
        like_count -> BigInt,
        visible_replies -> BigInt,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        open_flags -> BigInt,
        previous_body -> Nullable<Text>,
        hook_result -> Nullable<Text>,
        author_name -> Nullable<Text>,
        author_email -> Nullable<Text>,
    }
}

diesel::table! {
    moderation_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        comment_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
        prev_status -> Nullable<Text>,
        prev_moderation_reason -> Nullable<Text>,
        prev_rejection_reason -> Nullable<Text>,
        prev_moderated_by -> Nullable<BigInt>,
        prev_moderated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    moderator_notes (id) {
        id -> BigInt,
        user_id -> BigInt,
        author_id -> Nullable<BigInt>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    likes (comment_id, user_id) {
        comment_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    flags (id) {
        id -> BigInt,
        comment_id -> BigInt,
        user_id -> Nullable<BigInt>,
        reason -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        event_id -> Text,
        #[sql_name = "type"]
        event_type -> Text,
        article_key -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        url -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        active -> Bool,
        failing -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        format -> Text,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        event_id -> BigInt,
        endpoint_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_latency_ms -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        article_key -> Nullable<Text>,
    }
}

diesel::table! {
    used_links (jti) {
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        idempotency_key -> Text,
        kind -> Text,
        user_id -> Nullable<BigInt>,
        recipient -> Text,
        language -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appeals (id) {
        id -> BigInt,
        decision_id -> BigInt,
        user_id -> BigInt,
        comment_id -> Nullable<BigInt>,
        body -> Text,
        state -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
    }
}

diesel::table! {
    username_holds (id) {
        id -> BigInt,
        username_key -> Text,
        username_skeleton -> Text,
        user_id -> Nullable<BigInt>,
        held_until -> Timestamp,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> BigInt,
        user_id -> BigInt,
        comment_id -> Nullable<BigInt>,
        article_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reply_notices (id) {
        id -> BigInt,
        user_id -> BigInt,
        comment_id -> BigInt,
        subscription_id -> BigInt,
        seen_at -> Nullable<Timestamp>,
        mail_key -> Nullable<Text>,
    }
}

diesel::table! {
    import_ids (id) {
        id -> BigInt,
        source -> Text,
        kind -> Text,
        external_id -> Text,
        local_id -> BigInt,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(comments -> articles (article_id));
diesel::joinable!(likes -> comments (comment_id));
diesel::joinable!(flags -> comments (comment_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    refresh_tokens,
    app_meta,
    articles,
    comments,
    likes,
    flags,
    moderation_log,
    moderator_notes,
    events,
    webhook_endpoints,
    webhook_deliveries,
    used_links,
    mail_outbox,
    appeals,
    username_holds,
    subscriptions,
    reply_notices,
    import_ids,
);
