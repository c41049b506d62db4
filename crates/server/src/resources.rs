//! Plausible `data` for an event type: the resource Exa would send, shaped per its spec.

use serde_json::{json, Value};

/// The resource an event of `event_type` carries. `id` makes the ids of one call distinct.
pub fn default_data(event_type: &str, new_id: &dyn Fn(&str) -> String, now: &str) -> Value {
    let webset_id = new_id("webset_");
    let status_of = |done: &str, running: &str| {
        if event_type.ends_with(".completed") || event_type.ends_with(".idle") {
            done.to_owned()
        } else {
            running.to_owned()
        }
    };
    match event_type {
        t if t.starts_with("webset.search.") => json!({
            "id": new_id("webset_search_"),
            "object": "webset_search",
            "status": match t {
                "webset.search.completed" => "completed",
                "webset.search.canceled" => "canceled",
                "webset.search.created" => "created",
                _ => "running",
            },
            "websetId": webset_id,
            "query": "AI startups in Europe that raised a Series A",
            "entity": {"type": "company"},
            "criteria": [{"description": "raised a Series A in the last 12 months", "successRate": 0}],
            "count": 10,
            "behavior": "override",
            "exclude": [],
            "scope": [],
            "progress": {"found": 0, "analyzed": 0, "completion": 0, "timeLeft": null},
            "recall": null,
            "metadata": {},
            "canceledAt": if t == "webset.search.canceled" { json!(now) } else { Value::Null },
            "canceledReason": if t == "webset.search.canceled" { json!("webset_canceled") } else { Value::Null },
            "createdAt": now,
            "updatedAt": now,
        }),
        t if t.starts_with("webset.item.") => json!({
            "id": new_id("witem_"),
            "object": "webset_item",
            "source": "search",
            "sourceId": new_id("webset_search_"),
            "websetId": webset_id,
            "properties": {
                "type": "company",
                "url": "https://example.com",
                "description": "An example company found by a search.",
                "content": null,
                "company": {"name": "Example Inc.", "location": "Berlin, Germany", "employees": 42,
                            "industry": "Software", "about": null, "logoUrl": null},
            },
            "evaluations": [],
            "enrichments": if t == "webset.item.enriched" {
                json!([{"object": "enrichment_result", "status": "completed", "format": "text",
                        "result": ["Series A, 2025"], "reasoning": null, "references": [],
                        "enrichmentId": new_id("wenrich_")}])
            } else {
                json!([])
            },
            "createdAt": now,
            "updatedAt": now,
        }),
        t if t.starts_with("webset.export.") => json!({
            "id": new_id("webset_export_"),
            "object": "webset_export",
            "status": status_of("completed", "created"),
            "websetId": webset_id,
            "format": "csv",
            "createdAt": now,
            "updatedAt": now,
        }),
        t if t.starts_with("webset.") => json!({
            "id": webset_id,
            "object": "webset",
            "status": match t {
                "webset.idle" => "idle",
                "webset.paused" => "paused",
                _ => "running",
            },
            "externalId": null,
            "title": "Example webset",
            // Not in the spec's schema, but in every real answer, and exa-py requires it.
            "dashboardUrl": format!("https://websets.exa.ai/{webset_id}"),
            "searches": [],
            "imports": [],
            "enrichments": [],
            "monitors": [],
            "excludes": [],
            "metadata": {},
            "createdAt": now,
            "updatedAt": now,
        }),
        t if t.starts_with("import.") => json!({
            "id": new_id("import_"),
            "object": "import",
            "status": status_of("completed", "pending"),
            "format": "csv",
            "entity": {"type": "company"},
            "title": "Example import",
            "count": 100,
            "metadata": {},
            "failedReason": null,
            "failedAt": null,
            "failedMessage": null,
            "createdAt": now,
            "updatedAt": now,
        }),
        t if t.starts_with("monitor.run.") => json!({
            "id": new_id("monitor_run_"),
            "object": "monitor_run",
            "status": status_of("completed", "created"),
            "monitorId": new_id("monitor_"),
            "type": "search",
            "completedAt": if t.ends_with(".completed") { json!(now) } else { Value::Null },
            "failedAt": null,
            "failedReason": null,
            "canceledAt": null,
            "createdAt": now,
            "updatedAt": now,
        }),
        t if t.starts_with("monitor.") => json!({
            "id": new_id("monitor_"),
            "object": "monitor",
            "status": if t == "monitor.deleted" { "disabled" } else { "enabled" },
            "websetId": webset_id,
            "cadence": {"cron": "0 9 * * 1", "timezone": "Etc/UTC"},
            "behavior": {"type": "search", "config": {"count": 10, "query": "new AI startups",
                          "criteria": [], "entity": {"type": "company"}, "behavior": "append"}},
            "lastRun": null,
            "nextRunAt": now,
            "metadata": {},
            "createdAt": now,
            "updatedAt": now,
        }),
        _ => json!({"id": new_id("obj_"), "createdAt": now}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exa_webhooks_core::events::EVENT_TYPES;

    #[test]
    fn every_event_type_gets_an_object_with_an_id() {
        let id = |prefix: &str| format!("{prefix}1");
        for t in EVENT_TYPES {
            let data = default_data(t, &id, "2025-01-01T00:00:00.000Z");
            assert!(data["id"].is_string(), "{t}");
            assert!(data["createdAt"].is_string(), "{t}");
        }
        let webset = default_data("webset.idle", &id, "x");
        assert_eq!(
            (webset["object"].as_str(), webset["status"].as_str()),
            (Some("webset"), Some("idle"))
        );
        let run = default_data("monitor.run.completed", &id, "x");
        assert_eq!(run["object"], "monitor_run");
        assert_eq!(
            default_data("webset.search.canceled", &id, "x")["status"],
            "canceled"
        );
    }
}
