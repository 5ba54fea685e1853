"""The sandbox's endpoints, one small function each, listed in ``ROUTES``."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from qinbound_nb.job.vocab import ExportFormat
from qinbound_nb.sandbox import exports, feeds, sizes
from qinbound_nb.sandbox.api import ApiRequest, ApiResponse, ExportJob, Route, SandboxApi
from qinbound_nb.sandbox.catalog import EPOCH, DemoSurvey, SurveyDef, stable_id
from qinbound_nb.sandbox.exports import BadRequest, Missing
from qinbound_nb.sandbox.generated import GeneratedSurvey
from qinbound_nb.sandbox.render import Selection, columns

KINDS = {
    "nps": ("MC", "NPS", None), "text": ("TE", "ESTB", None), "multi": ("MC", "MAVR", "TX"),
    "single": ("MC", "SAVR", "TX"), "matrix": ("Matrix", "Likert", "SingleAnswer"),
}  # fmt: skip
Params = dict[str, str]


def whoami(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    seed = api.sandbox.seed
    return api.ok({"brandId": "sandbox", "userId": stable_id("UR_", seed, "user"),
                   "userName": "analyst@sandbox.example", "accountType": "UT_BRANDADMIN",
                   "firstName": "Sandbox", "lastName": "Analyst",
                   "email": "analyst@sandbox.example", "datacenter": "sandbox"})  # fmt: skip


def list_surveys(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    surveys = sorted(api.sandbox.surveys.values(), key=lambda survey: survey.survey_id)
    try:
        offset = int(request.query.get("offset", "0"))
    except ValueError:
        raise BadRequest("offset must be a number.") from None
    size = api.sandbox.page_size
    page = surveys[offset : offset + size]
    elements = [{"id": s.survey_id, "name": s.definition.name, "ownerId": _owner(api),
                 "lastModified": "2026-10-30T09:12:44Z", "creationDate": "2026-10-01T08:00:00Z",
                 "isActive": True} for s in page]  # fmt: skip
    more = offset + size < len(surveys)
    next_page = f"{request.base_url}surveys?offset={offset + size}" if more else None
    return api.ok({"elements": elements, "nextPage": next_page})


def _owner(api: SandboxApi) -> str:
    return stable_id("UR_", api.sandbox.seed, "user")


def _survey(api: SandboxApi, survey_id: str) -> DemoSurvey | GeneratedSurvey:
    survey = api.sandbox.surveys.get(survey_id)
    if survey is None:
        raise Missing("GSI_2", "Survey not found.")
    return survey


def survey_metadata(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    survey = _survey(api, params["sid"])
    definition = survey.definition
    return api.ok({
        "id": definition.survey_id, "name": definition.name, "ownerId": _owner(api),
        "organizationId": "sandbox", "isActive": True, "creationDate": "2026-10-01T08:00:00Z",
        "lastModifiedDate": "2026-10-30T09:12:44Z",
        "expiration": {"startDate": None, "endDate": None},
        "questions": {q.qid: _question(q) for q in definition.questions},
        "exportColumnMap": _column_map(definition),
        "blocks": {"BL_" + definition.survey_id[3:]: {"description": "Default Question Block",
                   "elements": [{"type": "Question", "questionId": q.qid}
                                for q in definition.questions]}},
        "flow": [{"type": "EmbeddedData"},
                 {"id": "BL_" + definition.survey_id[3:], "type": "Block"}],
        "embeddedData": [{"name": name, "defaultValue": ""} for name in definition.embedded],
        "comments": {}, "loopAndMerge": {},
        "responseCounts": {"auditable": 0, "generated": 0, "deleted": 0},
    })  # fmt: skip


def _question(question: Any) -> dict[str, Any]:
    kind, selector, sub = KINDS[question.kind]
    body: dict[str, Any] = {
        "questionType": {"type": kind, "selector": selector, "subSelector": sub},
        "questionText": question.text, "questionLabel": None,
        "validation": {"doesForceResponse": False}, "questionName": question.tag,
    }  # fmt: skip
    if question.choices:
        body["choices"] = {code: {"recode": code, "description": text, "choiceText": text,
                                  "imageDescription": None, "variableName": None, "analyze": True}
                           for code, text in question.choices.items()}  # fmt: skip
    if question.rows:
        body["subQuestions"] = {row: {"description": text, "choiceText": text, "recode": row}
                                for row, text in question.rows.items()}  # fmt: skip
    return body


def _column_map(definition: SurveyDef) -> dict[str, dict[str, str]]:
    mapping = {}
    for column in columns(definition, Selection()):
        if column.owner in ("meta", "embedded"):
            continue
        entry = {"question": column.owner}
        if column.import_id.count("_") and column.import_id.split("_")[1].isdigit():
            entry["subQuestion"] = f"{column.owner}.subQuestions.{column.import_id.split('_')[1]}"
        mapping[column.tag] = entry  # matrix row tags repeat, so later matrices win, as live
    return mapping


def list_filters(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    survey = _survey(api, params["sid"])
    filters = survey.filter_ids if isinstance(survey, DemoSurvey) else {}
    elements = [{"filterId": filter_id, "filterName": name, "creationDate": "2026-10-15T10:00:00Z"}
                for filter_id, (name, _) in filters.items()]  # fmt: skip
    return api.ok({"elements": elements, "nextPage": None})


def start_responses(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    survey = _survey(api, params["sid"])
    body = _body(request)
    query = exports.parse_query(body, exports.RESPONSE_KEYS, tuple(ExportFormat))
    filters = survey.filter_ids if isinstance(survey, DemoSurvey) else {}
    if query.filter_id and query.filter_id not in filters:
        raise Missing("FLT_2", "Filter not found.")
    job = _start(api, "responses", survey.survey_id, query, body, survey)
    return api.ok({"progressId": job.progress_id, "percentComplete": 0.0, "status": "inProgress"})


def _start(
    api: SandboxApi,
    kind: str,
    source: str,
    query: exports.Query | None,
    body: dict[str, Any],
    survey: DemoSurvey | GeneratedSurvey | None = None,
) -> ExportJob:
    now = api.sandbox.now()
    if query is not None and "continuationToken" in body:
        since = exports.read_token(api.sandbox.seed, source, str(body["continuationToken"]), now)
        query = replace(query, since=since)
    if survey is not None and query is not None:
        sizes.refuse_if_too_large(survey, query, now, api.sandbox.export_limit)
    window = (query.start, query.end) if query else _ticket_window(body)
    progress_id, file_id = api.new_ids()
    return api.add_job(ExportJob(kind, source, query, window, now, progress_id, file_id))


def _body(request: ApiRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def _job(api: SandboxApi, key: str, kind: str, source: str, ready: bool = False) -> ExportJob:
    job = api.job(key, kind, source)
    if job is None or (ready and (job.ending != "complete" or job.polls < 3)):
        raise Missing("ESSG_2", "Export not found.")
    if ready:
        api.finish(job)
    return job


def poll_responses(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    return api.ok(api.progress(_job(api, params["pid"], "responses", params["sid"])))


def file_responses(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    job = _job(api, params["fid"], "responses", params["sid"], ready=True)
    survey = _survey(api, params["sid"])
    assert job.query is not None
    if isinstance(survey, GeneratedSurvey):
        content = exports.generated_content(survey, job.query, job.as_of)
    else:
        content = exports.survey_content(survey, job.query, job.as_of)
    return api.file_reply(survey.definition.name, job.query.format, content, job.query.compress)


def idp_schema(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    _idp(params)
    return api.ok({"name": feeds.IDP_NAME, "uniqueField": "review_id",
                   "idpSourceId": feeds.IDP_SOURCE_ID, "idpType": "ORM",
                   "fields": [{"name": n, "type": t} for n, t in feeds.IDP_FIELDS]})  # fmt: skip


def _idp(params: Params) -> None:
    if params["src"] != feeds.IDP_SOURCE_ID:
        raise Missing("IDP_2", "Imported data project not found.")


def start_idp(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    _idp(params)
    body = _body(request)
    query = exports.parse_query(body, exports.IDP_KEYS, ("csv",))
    job = _start(api, "idp", params["src"], query, body)
    return api.ok({"jobId": job.progress_id, "percentComplete": 0.0, "status": "inProgress"})


def poll_idp(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    return api.ok(api.progress(_job(api, params["pid"], "idp", params["src"])))


def file_idp(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    job = _job(api, params["fid"], "idp", params["src"], ready=True)
    query = job.query
    assert query is not None
    rows = [r for r in feeds.reviews_until(api.sandbox.seed, job.as_of)
            if not (query.start and r.created < query.start)
            and not (query.end and r.created >= query.end)
            and not (query.since and r.created <= query.since)][: query.limit]  # fmt: skip
    content = feeds.reviews_csv(rows, last_modified=query.sort_modified)
    return api.file_reply(feeds.IDP_NAME, "csv", content, query.compress)


def _ticket_window(body: dict[str, Any]) -> tuple[Any, Any]:
    if body.get("fileType") != "json":
        raise BadRequest("fileType must be json.")
    dates = body.get("updatedAtDates") or {}
    return exports.parse_date(dates, "startDate"), exports.parse_date(dates, "endDate")


def start_tickets(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    job = _start(api, "tickets", "tickets", None, _body(request))
    return api.ok({"exportId": job.progress_id, "percentComplete": 0.0, "status": "inProgress"})


def poll_tickets(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    return api.ok(api.progress(_job(api, params["pid"], "tickets", "tickets")))


def file_tickets(api: SandboxApi, request: ApiRequest, params: Params) -> ApiResponse:
    job = _job(api, params["fid"], "tickets", "tickets", ready=True)
    lower, upper = job.window
    content = feeds.tickets_json(api.sandbox.seed, job.as_of, lower, upper)
    return api.file_reply("Tickets", "json", content, True)


SID, ID = r"(?P<sid>SV_[A-Za-z0-9]+)", r"[A-Za-z0-9_\-]+"
ROUTES: list[Route] = [
    ("GET", "whoami", "whoami", whoami),
    ("GET", "surveys", "surveys", list_surveys),
    ("GET", f"surveys/{SID}", "survey", survey_metadata),
    ("GET", f"surveys/{SID}/filters", "filters", list_filters),
    ("POST", f"surveys/{SID}/export-responses", "start", start_responses),
    ("GET", f"surveys/{SID}/export-responses/(?P<pid>ES_{ID})", "poll", poll_responses),
    ("GET", f"surveys/{SID}/export-responses/(?P<fid>{ID})/file", "file", file_responses),
    ("GET", f"imported-data-projects/(?P<src>{ID})", "idp", idp_schema),
    ("POST", f"imported-data-projects/(?P<src>{ID})/exports", "start", start_idp),
    ("GET", f"imported-data-projects/(?P<src>{ID})/exports/(?P<pid>{ID})", "poll", poll_idp),
    ("GET", f"imported-data-projects/(?P<src>{ID})/exports/(?P<fid>{ID})/file", "file", file_idp),
    ("POST", "ticket-exports", "start", start_tickets),
    ("GET", f"ticket-exports/(?P<pid>{ID})/status", "poll", poll_tickets),
    ("GET", f"ticket-exports/(?P<fid>{ID})/file", "file", file_tickets),
]
__all__ = ["EPOCH", "ROUTES"]
