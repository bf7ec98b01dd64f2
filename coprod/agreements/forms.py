from django import forms
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import Company, User
from coprod.agreements.models import (
    Agreement,
    BudgetLine,
    Contribution,
    Expense,
    Party,
    RevenueReceipt,
    WaterfallTier,
)
from coprod.catalog.models import Title
from coprod.registry.models import AIModel

DATE = forms.DateInput(attrs={"type": "date"})


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["reference", "name", "currency", "statement_period", "term_start",
                  "term_end", "effective_from", "territory_expression", "titles",
                  "approved_models", "notes"]
        widgets = {"term_start": DATE, "term_end": DATE, "effective_from": DATE,
                   "titles": forms.SelectMultiple(attrs={"size": 8}),
                   "approved_models": forms.CheckboxSelectMultiple,
                   "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["titles"].queryset = Title.objects.select_related("parent__parent")
        self.fields["approved_models"].queryset = AIModel.objects.all()
        self.fields["statement_period"].required = False

    def clean_statement_period(self):
        # Left out, the period length stays as it is (a quarter for a new agreement).
        return self.cleaned_data["statement_period"] or self.instance.statement_period

    def _post_clean(self):
        # The service validates, with the lifecycle rules.
        pass


class PartyForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=Party.Role.choices)
    share_percentage = forms.DecimalField(label=_("Share (%)"), max_digits=7,
                                          decimal_places=4, min_value=0, max_value=100)
    signatory = forms.ModelChoiceField(
        label=_("Signatory"), queryset=User.objects.filter(company__isnull=False,
                                                           is_active=True))


class ShareForm(forms.Form):
    share_percentage = forms.DecimalField(label=_("Share (%)"), max_digits=7,
                                          decimal_places=4, min_value=0, max_value=100)


class ContributionForm(forms.ModelForm):
    class Meta:
        model = Contribution
        fields = ["party", "kind", "description", "amount", "currency", "exchange_rate",
                  "recoupable"]

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = agreement.parties.select_related("company")

    def _post_clean(self):
        pass


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["title", "category", "description", "amount", "currency"]

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = agreement.titles.all()

    def _post_clean(self):
        pass


class WaterfallTierForm(forms.ModelForm):
    class Meta:
        model = WaterfallTier
        fields = ["position", "kind", "name", "party", "payee", "percentage", "amount",
                  "premium_percentage", "overhead_percentage", "interest_percentage"]

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = agreement.parties.select_related("company")

    def _post_clean(self):
        pass


class ReceiptForm(forms.ModelForm):
    class Meta:
        model = RevenueReceipt
        fields = ["title", "territory", "period", "amount", "currency", "exchange_rate",
                  "received_on", "note"]
        widgets = {"received_on": DATE}

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = agreement.titles.all()
        self.fields["currency"].initial = agreement.currency

    def _post_clean(self):
        pass


class ExpenseForm(forms.ModelForm):
    class Meta:
        model = Expense
        fields = ["payer", "title", "incurred_on", "description", "invoice_reference",
                  "amount", "currency", "exchange_rate", "document"]
        widgets = {"incurred_on": DATE}

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = agreement.parties.select_related("company")
        self.fields["title"].queryset = agreement.titles.all()
        self.fields["currency"].initial = agreement.currency

    def _post_clean(self):
        pass


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Document"))


