from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pollen.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from pollen.accounts.middleware import note_sign_in
        from pollen.accounts.reauth import note_confirmed_at_sign_in

        user_logged_in.connect(note_sign_in, dispatch_uid="pollen.accounts.note_sign_in")
        user_logged_in.connect(
            note_confirmed_at_sign_in, dispatch_uid="pollen.accounts.note_confirmed_at_sign_in"
        )
