from django.urls import path, re_path

import pollen.converters  # noqa: F401 - registers the <id:…> path converter
from pollen.jam import console, streams, views

app_name = "jam"

urlpatterns = [
    path("", views.jam_list, name="list"),
    path("suivi/", views.followup, name="followup"),
    path("<slug:slug>/", views.jam_detail, name="detail"),
    path("<slug:slug>/decisions/", views.decisions, name="decisions"),
    re_path(r"^(?P<slug>[-\w]+)/compte-rendu\.(?P<fmt>pdf|odt)$", views.report, name="report"),
    re_path(
        r"^(?P<slug>[-\w]+)/propositions\.(?P<fmt>csv|json)$", views.open_data, name="open_data"
    ),
    path("<slug:slug>/inscription/", views.register, name="register"),
    path("<slug:slug>/entrer/", views.enter_with_code, name="enter_code"),
    path("<slug:slug>/entrer/<str:token>/", views.enter, name="enter"),
    path("<slug:slug>/salle/", views.room, name="room"),
    path("<slug:slug>/groupes/<id:pk>/direct/", views.group_live, name="group_live"),
    path("<slug:slug>/groupes/<id:pk>/flux/", streams.group_stream, name="group_stream"),
    path("<slug:slug>/groupes/<id:pk>/proposer/", views.post_proposal, name="post"),
    path("<slug:slug>/groupes/<id:pk>/fusionner/", views.merge, name="merge"),
    path("<slug:slug>/propositions/<id:pk>/commenter/", views.comment, name="comment"),
    path("<slug:slug>/propositions/<id:pk>/voter/", views.vote, name="vote"),
    path("<slug:slug>/groupes/<id:pk>/synthese/", views.synthesis, name="synthesis"),
    path("<slug:slug>/propositions/<id:pk>/decider/", views.decide, name="decide"),
    path("<slug:slug>/console/", console.console, name="console"),
    path("<slug:slug>/console/direct/<slug:area>/", console.console_live, name="console_live"),
    path("<slug:slug>/console/flux/", streams.console_stream, name="console_stream"),
    path("<slug:slug>/console/ouvertures/", views.openings, name="openings"),
    path("<slug:slug>/console/message/", views.broadcast, name="broadcast"),
    path("<slug:slug>/console/groupes/", views.seat_groups, name="seat_groups"),
    path("<slug:slug>/console/invitations/", views.invitations, name="invitations"),
    path("<slug:slug>/console/deplacer/<id:pk>/", views.move, name="move"),
    path("<slug:slug>/console/arrivee/<id:pk>/", views.check_in, name="check_in"),
    path(
        "<slug:slug>/console/phases/<id:pk>/<slug:action>/",
        views.phase_action,
        name="phase_action",
    ),
    path("<slug:slug>/ecran/", views.projection, name="projection"),
    path("<slug:slug>/ecran/direct/", views.projection_live, name="projection_live"),
    path("<slug:slug>/ecran/flux/", streams.projection_stream, name="projection_stream"),
    path("<slug:slug>/ecran/groupes/<id:pk>/", views.projection, name="group_projection"),
    path(
        "<slug:slug>/ecran/groupes/<id:pk>/direct/",
        views.projection_live,
        name="group_projection_live",
    ),
    path(
        "<slug:slug>/ecran/groupes/<id:pk>/flux/",
        streams.projection_stream,
        name="group_projection_stream",
    ),
]
