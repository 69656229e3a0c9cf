from django.http import HttpResponse
from django.urls import reverse


def home(request):
    return HttpResponse(f"home page, for every path under /home: {request.path}\n")


def index(request):
    return HttpResponse(f"blog index; reverse('login') is {reverse('login')}\n")


def login(request):
    return HttpResponse(f"log in, then go to {request.GET['next']}\n")
