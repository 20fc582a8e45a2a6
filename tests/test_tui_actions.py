"""Pilot tests: every keyboard action, checked by its effect in the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from inboxwatch import triage
from inboxwatch.tokens import ensure_reply_secret
from inboxwatch.users import resolve_actor
from inboxwatch_storage.queries import MessageFilter, count_messages
from inboxwatch_storage.tables import AuditEntry, Case, CaseUpdate, ClassifierFeedback, Message
from inboxwatch_tui.app import DeniedScreen
from inboxwatch_tui.screens.modals import (
    CaseForm,
    ConfirmDelete,
    HelpScreen,
    MarkPicker,
    TextViewer,
)
from inboxwatch_tui.screens.triage import TriageScreen
from inboxwatch_tui.screens.watcher import WatcherScreen
from inboxwatch_tui.widgets.message_list import MessageList
from tests.tui_support import (
    OPERATOR,
    VIEWER,
    add_staff,
    import_mail,
    make_app,
    pilot_test,
    seed_example_store,
    settle,
    stored_message,
    triage_screen,
)

pytestmark = pytest.mark.tui  # runs the Textual app


SIZE = (120, 40)


@pytest.fixture
def store(engine: Engine) -> Engine:
    return seed_example_store(engine)


_message = stored_message


@pilot_test
async def test_list_opens_on_first_message_and_j_k_move(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = app.screen.query_one(MessageList)
        with Session(store) as session:
            assert lst.total == count_messages(session, MessageFilter())
        first = lst.current_pk
        assert triage_screen(app).detail.detail is not None
        assert triage_screen(app).detail.detail.id == first
        await pilot.press("j", "j")
        await settle(app, pilot)
        assert lst.cursor_row == 2
        assert triage_screen(app).detail.detail.id == lst.current_pk != first
        await pilot.press("k")
        await pilot.press("G")
        await settle(app, pilot)
        assert lst.cursor_row == lst.total - 1
        await pilot.press("g")
        assert lst.cursor_row == 0


@pilot_test
async def test_direct_mark_keys_change_status_and_audit(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pk = triage_screen(app).list.current_pk
        assert pk is not None
        await pilot.press("3")
        await settle(app, pilot)
        assert _message(store, pk).status == "closed"
        await pilot.press("2")  # the cursor stays on the same message
        await settle(app, pilot)
        assert _message(store, pk).status == "needs_attention"
    with Session(store) as session:
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.message_pk == pk)).all()
    assert list(actions).count("mark") == 2


@pilot_test
async def test_mark_picker(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pk = triage_screen(app).list.current_pk
        await pilot.press("m")
        assert isinstance(app.screen, MarkPicker)
        await pilot.press("down", "down", "enter")  # the third option: closed
        await settle(app, pilot)
        assert isinstance(app.screen, TriageScreen)
        assert _message(store, pk).status == "closed"  # type: ignore[arg-type]


@pilot_test
async def test_delete_as_spam_confirms_and_teaches_classifier(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pk = triage_screen(app).list.current_pk
        total = triage_screen(app).list.total
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDelete)
        await pilot.press("n")  # cancel: nothing happens
        await settle(app, pilot)
        assert _message(store, pk).deleted_at is None  # type: ignore[arg-type]
        await pilot.press("d", "s")
        await settle(app, pilot)
        assert _message(store, pk).deleted_at is not None  # type: ignore[arg-type]
        assert triage_screen(app).list.total == total - 1
        assert triage_screen(app).list.current_pk != pk
    with Session(store) as session:
        labels = session.exec(select(ClassifierFeedback.label)
                              .where(ClassifierFeedback.message_pk == pk)).all()
    assert list(labels) == ["spam"]


@pilot_test
async def test_space_selects_several_for_bulk_mark_and_delete(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        await pilot.press("space", "space")  # tag and advance, twice
        chosen = sorted(lst.selected)
        assert len(chosen) == 2 and lst.position == 3
        await pilot.press("1")
        await settle(app, pilot)
        assert lst.selected == {}
        assert all(_message(store, pk).status == "awaiting_review" for pk in chosen)
        await pilot.press("g", "space", "space", "d", "y")
        await settle(app, pilot)
        assert all(_message(store, pk).deleted_at is not None for pk in chosen)


@pilot_test
async def test_create_case_from_message(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")  # a message with a sender
        await settle(app, pilot)
        detail = triage_screen(app).detail.detail
        assert detail is not None and detail.from_addr
        await pilot.press("c")
        form = app.screen
        assert isinstance(form, CaseForm)
        assert form.prefill.title == detail.subject.strip() or form.prefill.title
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    m = _message(store, detail.id)
    assert m.case_id is not None and m.status == "closed"
    with Session(store) as session:
        case = session.get(Case, m.case_id)
        assert case is not None and case.notes.strip()


@pilot_test
async def test_find_case_links_message(store: Engine) -> None:
    with Session(store) as session:
        actor = resolve_actor(session, login=OPERATOR)
        first = session.exec(select(Message).where(Message.from_addr != "")
                             .order_by(Message.id)).first()
        assert first is not None and first.id is not None
        first_pk = first.id
        case = triage.create_case(session, actor, from_message=first_pk,
                                  title="Printer on floor 3")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        if lst.current_pk == first_pk:
            await pilot.press("j")
        pk = lst.current_pk
        assert pk != first_pk
        await pilot.press("f")
        await pilot.press(*"Printer")
        await pilot.press("enter")
        await settle(app, pilot)
    assert _message(store, pk).case_id == case.number  # type: ignore[arg-type]


@pilot_test
async def test_case_update_with_existing_file_and_email_toggle(store: Engine) -> None:
    ensure_reply_secret()  # what `inboxwatch init` does: emailing the client needs it
    with Session(store) as session:
        actor = resolve_actor(session, login=OPERATOR)
        rows = session.exec(select(Message).where(Message.attachment_count > 0,
                                                  Message.from_addr != "")
                            .order_by(Message.id)).all()
        source_pk, target_pk = rows[0].id, rows[1].id
        assert source_pk and target_pk
        case = triage.create_case(session, actor, from_message=source_pk)
        triage.link_case(session, actor, target_pk, case.number)
        triage.mark(session, actor, target_pk, "needs_attention")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        while lst.current_pk != target_pk:
            await pilot.press("j")
        await settle(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        editor = app.screen
        assert editor.__class__.__name__ == "CaseUpdateEditor"
        await pilot.press("tab", "space", "tab", "space")  # first file; "email the client"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    with Session(store) as session:
        updates = session.exec(select(CaseUpdate).where(CaseUpdate.case_id == case.number)).all()
        assert len(updates) == 1 and updates[0].source_message_pk == target_pk
        assert updates[0].emailed or updates[0].outbound_message_id is not None
    assert _message(store, target_pk).status == "closed"


@pilot_test
async def test_viewer_sees_actions_disabled_and_why(store: Engine) -> None:
    app = make_app(store, login=VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        pk = screen.list.current_pk
        before = _message(store, pk).status  # type: ignore[arg-type]
        assert screen.check_action("mark", ()) is None
        assert screen.check_action("mark_as", ("closed",)) is None
        assert screen.check_action("raw", ()) is True
        await pilot.press("3", "d", "c")
        await settle(app, pilot)
        assert isinstance(app.screen, TriageScreen)
        assert _message(store, pk).status == before  # type: ignore[arg-type]
        reasons = {desc: note for _, desc, note in app.help_rows()}
        assert "needs delete_inbound_message" in reasons["Delete"]
        assert reasons["Raw"] == ""
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


@pilot_test
async def test_unknown_login_sees_why_and_no_mail(store: Engine) -> None:
    app = make_app(store, login="nobody")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.actor.actor is None
        assert isinstance(app.screen, DeniedScreen)
        shown = str(app.screen.query_one("#denied").render())
        assert "users add" in shown
        assert not app.screen.query(MessageList)
        await pilot.press("w")  # the watcher is mail too
        assert isinstance(app.screen, DeniedScreen)


@pilot_test
async def test_client_role_sees_no_mail(store: Engine) -> None:
    add_staff(store, "clientlogin", "client")
    app = make_app(store, login="clientlogin")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DeniedScreen)
        assert "view_inbound_messages" in str(app.screen.query_one("#denied").render())


@pilot_test
async def test_search_filters_and_n_moves_through_matches(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        await pilot.press("slash", *"invoice", "enter")
        await settle(app, pilot)
        with Session(store) as session:
            expected = count_messages(session, MessageFilter(search="invoice"))
        assert 0 < lst.total == expected
        await pilot.press("n")
        assert lst.cursor_row == min(1, lst.total - 1)
        await pilot.press("N")
        assert lst.cursor_row == 0
        await pilot.press("escape")
        await settle(app, pilot)
        assert lst.view.flt.search is None


@pilot_test
async def test_status_and_category_filters_and_sort(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        await pilot.press("s", "s")  # all -> awaiting_review -> needs_attention
        await settle(app, pilot)
        assert lst.view.flt.status == "needs_attention"
        assert all(r.status == "needs_attention" for r in lst.rows_loaded)
        await pilot.press("s", "s", "t", "t", "t", "t", "t")  # status all; category spam
        await settle(app, pilot)
        assert lst.view.flt.category == "spam"
        assert lst.rows_loaded and all(r.category == "spam" for r in lst.rows_loaded)
        await pilot.press("o")  # sort by sender
        await settle(app, pilot)
        senders = [r.from_addr for r in lst.rows_loaded]
        assert lst.view.sort == "sender" and senders == sorted(senders, reverse=True)
        await pilot.press("O")
        await settle(app, pilot)
        senders = [r.from_addr for r in lst.rows_loaded]
        assert senders == sorted(senders)


@pilot_test
async def test_raw_and_all_headers_views(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        await pilot.press("r")
        assert isinstance(app.screen, TextViewer)
        assert "Raw source" in app.screen.title_text
        await pilot.press("escape", "H")
        assert isinstance(app.screen, TextViewer)
        assert "From:" in app.screen.body.plain


@pilot_test
async def test_save_attachments_to_a_directory(store: Engine, tmp_path: Path) -> None:
    tmp_path = tmp_path / "saved"
    tmp_path.mkdir()
    with Session(store) as session:
        pk = session.exec(select(Message.id).where(Message.attachment_count > 0)
                          .order_by(Message.id)).first()
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        while lst.current_pk != pk:
            await pilot.press("j")
        await settle(app, pilot)
        await pilot.press("a")
        field = app.screen.query_one("#save-dir")
        field.value = str(tmp_path)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("a")
        app.screen.query_one("#save-dir").value = str(tmp_path)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")  # again: never overwrites, adds a suffix
        await settle(app, pilot)
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved and any(" (2)" in name for name in saved)
    assert len(saved) % 2 == 0


@pilot_test
async def test_keys_arriving_together_in_the_directory_field_act_in_order(
        store: Engine, tmp_path: Path) -> None:
    """ctrl+u then a path, read in one go (SSH after a stall, a paste of keystrokes): the
    field holds the path. Textual's own Input runs ctrl+u after the keys behind it and
    leaves the field empty (Textualize/textual#6605), which saved the files into the
    current directory."""
    from textual import events

    target = tmp_path / "saved"
    target.mkdir()
    with Session(store) as session:
        pk = session.exec(select(Message.id).where(Message.attachment_count > 0)
                          .order_by(Message.id)).first()
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        while lst.current_pk != pk:
            await pilot.press("j")
        await settle(app, pilot)
        await pilot.press("a")
        field = app.screen.query_one("#save-dir")
        field.focus()
        await pilot.pause()
        keys = [("ctrl+u", None)] + [("slash" if c == "/" else c, c) for c in str(target)]
        for key, character in keys:
            app.post_message(events.Key(key, character))  # all queued before any is handled
        await pilot.pause(0.3)
        assert field.value == str(target)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert list(target.iterdir()), "nothing was saved in the directory typed"


@pilot_test
async def test_remapped_key_from_config(store: Engine) -> None:
    app = make_app(store, keymap={"triage.mark_closed": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pk = triage_screen(app).list.current_pk
        await pilot.press("3")  # no longer bound
        await settle(app, pilot)
        assert _message(store, pk).status != "closed"  # type: ignore[arg-type]
        await pilot.press("x")
        await settle(app, pilot)
        assert _message(store, pk).status == "closed"  # type: ignore[arg-type]


@pilot_test
async def test_command_palette_runs_actions(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Watcher")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, WatcherScreen)


@pilot_test
async def test_watcher_dashboard_counts(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WatcherScreen) and screen.snapshot is not None
        snap = screen.snapshot
        with Session(store) as session:
            live = count_messages(session, MessageFilter(disposition="inbound"))
        assert sum(snap.by_status.values()) == live
        assert sum(snap.arrivals_per_hour) == 23  # pinned: one message an hour
        assert snap.oldest_awaiting_at is not None
        await pilot.press("escape")
        assert isinstance(app.screen, TriageScreen)


@pilot_test
async def test_live_refresh_keeps_the_operators_place(store: Engine, tmp_path: Path) -> None:
    app = make_app(store, poll_seconds=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = triage_screen(app).list
        await pilot.press("j", "j", "j")
        await settle(app, pilot)
        here, total = lst.current_pk, lst.total
        new = tmp_path / "new.eml"
        new.write_bytes(b"From: New Person <new@example.org>\r\nTo: helpdesk@helpdesk.example"
                        b".com\r\nSubject: brand new\r\nMessage-ID: <fresh@example.org>\r\n"
                        b"\r\nhello\r\n")
        import_mail(store, [new])
        for _ in range(30):
            await pilot.pause(0.1)
            if lst.total == total + 1:
                break
        assert lst.total == total + 1
        assert lst.current_pk == here


@pilot_test
async def test_empty_store(engine: Engine) -> None:
    add_staff(engine, OPERATOR, "operator")
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "enter", "3", "d", "c", "u", "a", "r", "H", "space", "G", "w")
        await settle(app, pilot)
        assert isinstance(app.screen, WatcherScreen)
        await pilot.press("escape")
        status = str(app.screen.query_one("#status-line").render())
        assert "no messages" in status and "empty" in status


@pilot_test
async def test_small_terminal_says_what_it_cannot_show(store: Engine) -> None:
    app = make_app(store)
    async with app.run_test(size=(60, 15)) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        notice = str(screen.query_one("#notice").render())
        assert "Small terminal" in notice
        assert not screen.detail.display or not screen.detail.region.height
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.detail.region.height > 0
        assert not screen.list.region.height
        await pilot.press("escape")
        await pilot.pause()
        assert screen.list.region.height > 0


@pilot_test
async def test_p_adds_the_sender_to_the_case_and_A_toggles_them(store: Engine) -> None:
    from inboxwatch_storage.tables import CaseParticipant, User, UserEmail

    add_staff(store, "boss", "admin")
    app = make_app(store, login="boss")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        pk = screen.list.current_pk
        assert pk is not None
        with Session(store) as session:
            actor = resolve_actor(session, login="boss")
            case = triage.create_case(session, actor, title="Shared", client_email=
                                      "someone-else@client.example")
            triage.link_case(session, actor, pk, case.number)
            sender = _message(store, pk).from_addr
        await pilot.press("p")
        await settle(app, pilot)
        with Session(store) as session:
            user = session.exec(select(User).join(UserEmail).where(
                UserEmail.email == sender.lower())).one()
            assert session.get(CaseParticipant, (case.number, user.id)) is not None
            assert user.active
        await pilot.press("A")
        await settle(app, pilot)
        with Session(store) as session:
            user = session.exec(select(User).join(UserEmail).where(
                UserEmail.email == sender.lower())).one()
            assert not user.active


@pilot_test
async def test_the_cursor_follows_its_message_through_a_burst_of_new_mail(
        store: Engine) -> None:
    """250 new messages arrive above the one under the cursor: the cursor and the detail
    pane stay on that message (they kept the position, and showed another, before)."""
    from datetime import timedelta

    from inboxwatch.ingest import RawMail, ingest
    from inboxwatch_storage.tables import utcnow
    from tests.tui_support import DEMO_CONTEXT

    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lst = app.screen.query_one(MessageList)
        await pilot.press("j", "j", "j")
        await settle(app, pilot)
        watched = lst.current_pk
        assert watched is not None
        ingest(store, DEMO_CONTEXT, [RawMail(raw=(
            f"From: burst{n}@client.example\nTo: support@helpdesk.example.com\n"
            f"Subject: burst {n}\nMessage-ID: <burst{n}@client.example>\n\nnew\n").encode(),
            origin=f"burst{n}") for n in range(250)], workers=1)
        with Session(store) as session:  # newer than everything: they sort above it
            for m in session.exec(select(Message).where(Message.subject.startswith("burst"))):
                m.received_at = utcnow() + timedelta(days=1)
                session.add(m)
            session.commit()
        lst.reload()
        await settle(app, pilot)
        assert lst.current_pk == watched
        assert lst.base + lst.cursor_row == 250 + 3
        detail = triage_screen(app).detail.detail
        assert detail is not None and detail.id == watched


@pilot_test
async def test_a_colleagues_link_shows_in_row_and_detail(store: Engine) -> None:
    """A colleague links the message under the cursor to a case (its status untouched):
    the next change poll shows it in the detail pane, not only after ctrl+r."""
    from inboxwatch_storage.activity import store_signature

    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = triage_screen(app)
        lst = app.screen.query_one(MessageList)
        pk = lst.current_pk
        assert pk is not None and screen.detail.detail is not None
        assert screen.detail.detail.case_id is None
        with Session(store) as session:
            screen._store_polled(store_signature(session))  # the poll before the change
            colleague = resolve_actor(session, login=OPERATOR)
            case = triage.create_case(session, colleague, title="Printer",
                                      client_email="alice@client.example")
            triage.link_case(session, colleague, pk, case.number)
        with Session(store) as session:
            screen._store_polled(store_signature(session))
        await settle(app, pilot)
        await pilot.pause(0.5)
        detail = screen.detail.detail
        assert detail is not None and detail.id == pk and detail.case_id is not None
        assert lst.current_row is not None and lst.current_row.case_id == detail.case_id


@pilot_test
async def test_a_refused_create_case_keeps_the_typed_text_and_esc_asks(store: Engine) -> None:
    """A colleague deletes the message while the operator writes the case: the refusal is
    shown in the form and the text stays; Esc on the edited form asks before discarding."""
    from textual.widgets import TextArea

    from inboxwatch_tui.screens.modals import ConfirmDiscard

    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pk = app.screen.query_one(MessageList).current_pk
        assert pk is not None
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, CaseForm)
        notes = form.query_one("#case-notes", TextArea)
        notes.text = "Called the client: printer on floor 3, tray 2. Technician Friday."
        with Session(store) as session:  # the colleague
            triage.delete(session, resolve_actor(session, login=OPERATOR), pk)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # still open
        assert form.query_one("#case-notes", TextArea).text.startswith("Called the client")
        with Session(store) as session:
            assert session.exec(select(Case)).all() == []
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDiscard)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is form and form.query_one("#case-notes", TextArea).text
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, TriageScreen)
