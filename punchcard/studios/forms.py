from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from punchcard.studios.models import Membership, Studio, User

# The users table's limit: a longer address would pass EmailField (320) and fail the insert on
# PostgreSQL (or, at sign-in, django-axes' 255-character record of the failed attempt).
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Wrong email or password. Check both and try again.",
    }
    username = forms.EmailField(
        label="Email",
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SignUpForm(forms.Form):
    studio_name = forms.CharField(label="Studio name", max_length=120)
    email = forms.EmailField(
        label="Your email",
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not all numbers, not a common password.",
    )


class MemberForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=EMAIL_MAX_LENGTH)
    password = forms.CharField(
        label="Temporary password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(
        label="Role", choices=Membership.Role.choices, initial=Membership.Role.TRAINER
    )


class MemberUpdateForm(forms.Form):
    """An owner's change to one member. A field left empty stays as it is, so the list's
    one-button forms (change role; deactivate or reactivate) each send only their own."""

    role = forms.TypedChoiceField(
        label="Role",
        choices=[("", "Keep as it is"), *Membership.Role.choices],
        empty_value=None,
        required=False,
    )
    is_active = forms.TypedChoiceField(
        label="Access",
        choices=[
            ("", "Keep as it is"),
            ("true", "Active: can sign in"),
            ("false", "Deactivated: cannot sign in"),
        ],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
    )


class MemberPasswordChangeForm(PasswordChangeForm):
    """Django's form (current password, new one twice), worded as the app's other forms."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Check it and try again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = (
            "At least 8 characters, not all numbers, not a common password, not like your email."
        )
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""

    def validate_password_for_user(self, user, password_field_name="new_password1"):
        # Django puts a weak password's error under the repeat; it belongs to the one typed first.
        super().validate_password_for_user(user, "new_password1")


class StudioSettingsForm(forms.ModelForm):
    class Meta:
        model = Studio
        fields = ["name", "currency", "timezone", "low_balance_threshold"]
        labels = {"low_balance_threshold": "Low-balance warning at (sessions left)"}


class TokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=80, initial="API token")

    def __init__(self, *args, **kwargs):
        # On the settings page next to the studio form, whose "name" already has the id id_name.
        super().__init__(*args, auto_id="token_%s", **kwargs)
