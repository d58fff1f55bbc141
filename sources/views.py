from django.shortcuts import get_object_or_404, render

from sources.models import OfficialStatement, Source


def source_detail(request, pk):
    source = get_object_or_404(Source.objects.visible_to(request.user), pk=pk)
    return render(request, "sources/source_detail.html", {"source": source})


def statement_detail(request, pk):
    statement = get_object_or_404(OfficialStatement.objects.visible_to(request.user), pk=pk)
    return render(request, "sources/statement_detail.html", {"statement": statement})
