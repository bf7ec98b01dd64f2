"""Agreement pages for rights managers and administrators; signatories approve here."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coprod.accounts.permissions import CATALOG_ROLES, FINANCE_ROLES, check_roles, roles_required
from coprod.agreements import selectors, services
from coprod.agreements.documents import statement_download, waterfall_chart
from coprod.agreements.forms import (
    AgreementForm,
    BudgetLineForm,
    ContributionForm,
    DocumentForm,
    ExpenseForm,
    PartyForm,
    ReceiptForm,
    ShareForm,
    WaterfallTierForm,
)
from coprod.agreements.models import Agreement, BudgetLine, Contribution, Party, WaterfallTier
from coprod.agreements.permissions import agreements_visible_to
from coprod.agreements.statements import agreement_statement, statement_book, statement_issue
from coprod.compute import views as compute_views
from coprod.core.http import query_whole_number, ranged_file_response

TABS = ("terms", "approvals", "revenue", "statements", "versions", "compute", "history")


def _errors_to_messages(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _agreement(request, agreement_id: int) -> Agreement:
    """The agreement if the user may open it; another company's agreement is not found,
    exactly like a missing one."""
    return get_object_or_404(agreements_visible_to(request.user), pk=agreement_id)


@roles_required(FINANCE_ROLES)
def agreement_list(request):
    return render(request, "coprod/agreement_list.html", {
        "agreements": selectors.agreements_for(user=request.user),
        "drafts_agreements": request.user.has_role(*CATALOG_ROLES)})


@roles_required(CATALOG_ROLES)
@require_http_methods(["GET", "POST"])
def agreement_edit(request, agreement_id: int | None = None):
    agreement = _agreement(request, agreement_id) if agreement_id else None
    form = AgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        data = {key: form.cleaned_data[key] for key in
                ("reference", "name", "currency", "statement_period", "term_start",
                 "term_end", "effective_from", "territory_expression", "notes")}
        try:
            if agreement is None:
                agreement = services.agreement_create(
                    actor=request.user, titles=form.cleaned_data["titles"],
                    approved_models=form.cleaned_data["approved_models"], **data)
                messages.success(request, _("The agreement is drafted."))
            else:
                services.agreement_update(actor=request.user, agreement=agreement, data=data,
                                          titles=form.cleaned_data["titles"],
                                          approved_models=form.cleaned_data["approved_models"])
                messages.success(request, _("The agreement is saved."))
            return redirect(agreement.get_absolute_url())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
    return render(request, "coprod/agreement_form.html", {"form": form,
                                                          "agreement": agreement})


@roles_required(FINANCE_ROLES)
def agreement_detail(request, agreement_id: int):
    agreement = _agreement(request, agreement_id)
    tab = request.GET.get("tab", "terms")
    tab = tab if tab in TABS else "terms"
    edits_terms = request.user.has_role(*CATALOG_ROLES)  # finance reads them
    context = {"agreement": agreement, "tab": tab, "tabs": TABS, "edits_terms": edits_terms,
               "holds_read_only": not edits_terms,
               "parties": agreement.parties.select_related("company", "signatory")
               .prefetch_related("contributions")}
    if tab == "terms":
        context.update(
            party_form=PartyForm(), contribution_form=ContributionForm(agreement=agreement),
            budget_form=BudgetLineForm(agreement=agreement),
            tier_form=WaterfallTierForm(agreement=agreement), document_form=DocumentForm())
    if tab == "approvals":
        active = {approval.party_id: approval for approval in
                  agreement.approvals.filter(version=agreement.version,
                                             withdrawn_at__isnull=True)}
        context["approval_rows"] = [(party, active.get(party.pk)) for party in
                                    context["parties"]]
        context["my_party"] = agreement.parties.filter(signatory=request.user).first()
        context["past_approvals"] = agreement.approvals.select_related(
            "party__company", "approved_by").order_by("-approved_at")
    if tab == "compute":
        context.update(compute_views.agreement_context(agreement))
    if tab == "revenue":
        context["receipts"] = agreement.receipts.select_related("title", "statement")
        context["receipt_form"] = ReceiptForm(agreement=agreement)
        context["expenses"] = agreement.expenses.select_related("title", "payer__company",
                                                                "statement")
        context["expense_form"] = ExpenseForm(agreement=agreement)
    if tab == "statements":
        book = statement_book(agreement)
        context["statements_error"] = book.error
        context["statements"] = book.entries
        context["next_to_issue"] = book.next_to_issue
    if tab == "versions":
        versions = list(agreement.versions.all())
        context["versions"] = versions
        numbers = [version.number for version in versions]
        if len(numbers) >= 1:
            default_left = numbers[-2] if len(numbers) > 1 else numbers[0]
            left = query_whole_number(request.GET.get("left"), default_left)
            right = query_whole_number(request.GET.get("right"), numbers[-1])
            by_number = {version.number: version for version in versions}
            if left in by_number and right in by_number:
                context["comparison"] = selectors.compare_versions(
                    left=by_number[left].terms, right=by_number[right].terms)
                context["left"], context["right"] = left, right
    if tab == "history":
        context["events"] = agreement.events.select_related("actor")[:300]
    return render(request, "coprod/agreement_detail.html", context)


def _post_form(request, agreement, form_class, action):
    form = form_class(request.POST, agreement=agreement)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return
    try:
        action(form.cleaned_data)
        messages.success(request, _("Saved."))
    except ValidationError as error:
        _errors_to_messages(request, error)


# What finance records on an agreement besides the rights managers: money, not terms.
MONEY_ITEMS = frozenset({"receipt", "expense"})


@roles_required(FINANCE_ROLES)
@require_POST
def agreement_add_item(request, agreement_id: int, item: str):
    agreement = _agreement(request, agreement_id)
    actor = request.user
    if item not in MONEY_ITEMS:  # the terms are the rights managers'
        check_roles(actor, CATALOG_ROLES)
    if item == "party":
        form = PartyForm(request.POST)
        if form.is_valid():
            try:
                services.party_add(actor=actor, agreement=agreement, **form.cleaned_data)
                messages.success(request, _("Saved."))
            except ValidationError as error:
                _errors_to_messages(request, error)
        else:
            messages.error(request, form.errors.as_text())
    elif item == "contribution":
        _post_form(request, agreement, ContributionForm,
                   lambda data: services.contribution_add(actor=actor, **data))
    elif item == "budget":
        _post_form(request, agreement, BudgetLineForm,
                   lambda data: services.budget_line_add(actor=actor, agreement=agreement,
                                                         **data))
    elif item == "tier":
        _post_form(request, agreement, WaterfallTierForm,
                   lambda data: services.waterfall_tier_add(actor=actor, agreement=agreement,
                                                            **data))
    elif item == "receipt":
        form = ReceiptForm(request.POST, agreement=agreement)
        if not form.is_valid():
            messages.error(request, form.errors.as_text())
        else:
            try:
                receipt = services.receipt_add(actor=actor, agreement=agreement,
                                               **form.cleaned_data)
                if receipt.is_late:
                    messages.warning(request, _(
                        "The statement for %(period)s is already issued: this receipt goes "
                        "into the next statement as a prior-period adjustment.")
                        % {"period": receipt.period})
                else:
                    messages.success(request, _("Saved."))
            except ValidationError as error:
                _errors_to_messages(request, error)
        return redirect(f"{agreement.get_absolute_url()}?tab=revenue")
    elif item == "expense":
        form = ExpenseForm(request.POST, request.FILES, agreement=agreement)
        if not form.is_valid():
            messages.error(request, form.errors.as_text())
        else:
            data = dict(form.cleaned_data)
            data["document"] = data.pop("document") or None
            try:
                services.expense_add(actor=actor, agreement=agreement, **data)
                messages.success(request, _("The expense is recorded."))
            except ValidationError as error:
                _errors_to_messages(request, error)
        return redirect(f"{agreement.get_absolute_url()}?tab=revenue")
    elif item == "document":
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.agreement_document_add(actor=actor, agreement=agreement,
                                                upload=form.cleaned_data["file"])
                messages.success(request, _("The document is attached."))
            except ValidationError as error:
                _errors_to_messages(request, error)
    return redirect(agreement.get_absolute_url())


ITEM_MODELS = {"contribution": Contribution, "budget": BudgetLine, "tier": WaterfallTier}


@roles_required(CATALOG_ROLES)
@require_POST
def agreement_remove_item(request, agreement_id: int, item: str, item_id: int):
    agreement = _agreement(request, agreement_id)
    try:
        if item == "party":
            services.party_remove(actor=request.user,
                                  party=get_object_or_404(Party, pk=item_id, agreement=agreement))
        else:
            model = ITEM_MODELS[item]
            lookup = ({"party__agreement": agreement} if model is Contribution
                      else {"agreement": agreement})
            services.agreement_item_remove(actor=request.user,
                                           item=get_object_or_404(model, pk=item_id, **lookup))
        messages.success(request, _("Removed."))
    except ValidationError as error:
        _errors_to_messages(request, error)
    return redirect(agreement.get_absolute_url())


@roles_required(CATALOG_ROLES)
@require_POST
def party_share(request, agreement_id: int, party_id: int):
    agreement = _agreement(request, agreement_id)
    party = get_object_or_404(Party, pk=party_id, agreement=agreement)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            services.party_update(actor=request.user, party=party,
                                  share_percentage=form.cleaned_data["share_percentage"])
            messages.success(request, _("Saved."))
        except ValidationError as error:
            _errors_to_messages(request, error)
    return redirect(agreement.get_absolute_url())


@roles_required(CATALOG_ROLES)
@require_POST
def agreement_transition(request, agreement_id: int):
    agreement = _agreement(request, agreement_id)
    try:
        services.agreement_transition(actor=request.user, agreement=agreement,
                                      to=request.POST.get("to", ""))
        messages.success(request, _("The agreement's status is changed."))
    except ValidationError as error:
        _errors_to_messages(request, error)
    return redirect(f"{agreement.get_absolute_url()}?tab=approvals")


@require_POST
def agreement_approve(request, agreement_id: int):
    """Any signatory of a party may approve, whatever their role."""
    agreement = get_object_or_404(Agreement, pk=agreement_id)
    if not agreement.parties.filter(signatory=request.user).exists():
        raise PermissionDenied(_("Only the signatory of a party to this agreement can "
                                 "approve it."))
    try:
        services.agreement_approve(actor=request.user, agreement=agreement,
                                   version=int(request.POST.get("version", 0)))
        messages.success(request, _("Your approval is recorded."))
    except ValidationError as error:
        _errors_to_messages(request, error)
    if request.POST.get("next") == "portal":
        return redirect("partner_portal:coprod_agreement_change", agreement.pk)
    return redirect(f"{agreement.get_absolute_url()}?tab=approvals")


def _statement_or_404(request, agreement_id: int, period: str):
    from django.http import Http404

    agreement = _agreement(request, agreement_id)
    entry = agreement_statement(agreement, period)
    if entry is None:
        raise Http404(_("No statement for this period."))
    return agreement, entry


def _party_filter(request, agreement: Agreement) -> str | None:
    """A partner studio only ever gets its own party's statement."""
    if request.user.has_role(*FINANCE_ROLES):
        return request.GET.get("party") or None
    return request.user.company.name


def _statement_for(request, agreement_id: int, period: str):
    agreement, entry = _statement_or_404(request, agreement_id, period)
    party = _party_filter(request, agreement)
    if party and party not in entry.parties:
        raise PermissionDenied(_("This party has no line in the statement."))
    return agreement, entry, party


def statement_page(request, agreement_id: int, period: str):
    agreement, entry, party = _statement_for(request, agreement_id, period)
    statement = entry.statement
    return render(request, "coprod/statement.html", {
        "agreement": agreement, "entry": entry, "statement": statement, "party": party,
        "party_lines": statement.for_party(party) if party else None,
        "chart": waterfall_chart(statement, party=party),
        "receipts": (entry.issued.receipts.select_related("title") if entry.issued and
                     not party else None),
    })


def statement_csv(request, agreement_id: int, period: str):
    agreement, entry, party = _statement_for(request, agreement_id, period)
    return statement_download(entry, agreement=agreement, party=party, kind="csv")


def statement_pdf_view(request, agreement_id: int, period: str):
    agreement, entry, party = _statement_for(request, agreement_id, period)
    return statement_download(entry, agreement=agreement, party=party, kind="pdf")


@roles_required(FINANCE_ROLES)
@require_POST
def statement_issue_view(request, agreement_id: int, period: str):
    agreement = _agreement(request, agreement_id)
    try:
        record = statement_issue(actor=request.user, agreement=agreement, period=period)
        messages.success(request, _("Statement %(number)s for %(period)s is issued.")
                         % {"number": record.number, "period": record.period})
    except ValidationError as error:
        _errors_to_messages(request, error)
    return redirect(f"{agreement.get_absolute_url()}?tab=statements")


@roles_required(FINANCE_ROLES)
def expense_document(request, agreement_id: int, expense_id: int):
    agreement = _agreement(request, agreement_id)
    expense = get_object_or_404(agreement.expenses, pk=expense_id)
    if not expense.document:
        from django.http import Http404

        raise Http404(_("This expense has no document."))
    return ranged_file_response(request, expense.document, "application/octet-stream",
                                filename=expense.document.name.rsplit("/", 1)[-1],
                                as_attachment=True)


def document_download(request, agreement_id: int, document_id: int):
    """An attached document, for those who may see the agreement."""
    agreement = _agreement(request, agreement_id)
    document = get_object_or_404(agreement.documents, pk=document_id)
    return ranged_file_response(request, document.file, "application/octet-stream",
                                filename=document.name, as_attachment=True)
