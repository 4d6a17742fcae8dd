<?xml version="1.0" encoding="UTF-8"?>
<!-- subscription.xsl: the pages of `clickstatus serve`: subscribe answer, confirm, preferences, unsubscribe, errors. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <!--
    The model (publisher/http/serve_pages.c):
      <status>
        <page csp><name/><company/></page>
        <subscription view base token unsubscribe-token state min-priority saved retry-minutes>
          <problem/>?  <link/>?
          <component id checked="yes|no" group><name/></component>*
        </subscription>
      </status>
    $root is the status site's URL with a trailing slash (the stylesheet,
    the icon and the header's links live there). Forms post to paths
    under @base, the path of the configuration's subscribe_url. Nothing
    here says whether an address is subscribed: the answer to a
    subscription is the same for every address.
  -->
  <xsl:variable name="s" select="/status/subscription"/>

  <xsl:template match="/status">
    <xsl:variable name="title">
      <xsl:apply-templates select="$s" mode="title"/>
    </xsl:variable>
    <html lang="en">
      <xsl:call-template name="head">
        <xsl:with-param name="title" select="concat($title, ' | ', $product, ' status')"/>
      </xsl:call-template>
      <body>
        <xsl:call-template name="header"/>
        <main id="main">
          <section class="subscribe" aria-labelledby="page-h">
            <h1 id="page-h"><xsl:value-of select="$title"/></h1>
            <xsl:apply-templates select="$s"/>
          </section>
        </main>
        <xsl:call-template name="footer"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="subscription" mode="title">
    <xsl:choose>
      <xsl:when test="@view = 'check-inbox'">Check your inbox</xsl:when>
      <xsl:when test="@view = 'bad-address'">That address cannot be used</xsl:when>
      <xsl:when test="@view = 'bad-form'">That form cannot be used</xsl:when>
      <xsl:when test="@view = 'confirm'">Confirm your subscription</xsl:when>
      <xsl:when test="@view = 'confirmed'">Subscription confirmed</xsl:when>
      <xsl:when test="@view = 'invalid-link'">This link is not valid any more</xsl:when>
      <xsl:when test="@view = 'manage'">Email preferences</xsl:when>
      <xsl:when test="@view = 'unsubscribe'">Unsubscribe</xsl:when>
      <xsl:when test="@view = 'unsubscribed'">You are unsubscribed</xsl:when>
      <xsl:when test="@view = 'too-many'">Too many requests</xsl:when>
      <xsl:when test="@view = 'not-found'">Page not found</xsl:when>
      <xsl:when test="@view = 'method'">Method not allowed</xsl:when>
      <xsl:when test="@view = 'too-large'">Request too large</xsl:when>
      <xsl:when test="@view = 'media-type'">Unsupported form encoding</xsl:when>
      <xsl:otherwise>Something went wrong</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="subscription[@view = 'check-inbox']">
    <p>Check your inbox: if the address can receive mail, a link to confirm is on its way.</p>
    <p class="muted">The link is valid for a limited time and can be used once. Nothing is sent
      until the subscription is confirmed from that mail.</p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'bad-address' or @view = 'bad-form']">
    <p><xsl:value-of select="problem"/></p>
    <p><a href="{$root}index.html#sub-h">Back to the subscription form</a></p>
  </xsl:template>

  <!-- GET shows a button; only the POST confirms (mail scanners fetch links). -->
  <xsl:template match="subscription[@view = 'confirm']">
    <p>Confirm that you want email updates about <xsl:value-of select="$product"/>'s status.</p>
    <form method="post" action="{@base}/confirm">
      <input type="hidden" name="t" value="{@token}"/>
      <button type="submit">Confirm subscription</button>
    </form>
  </xsl:template>

  <xsl:template match="subscription[@view = 'confirmed']">
    <p>You will get an email when an incident or a maintenance affects
      <xsl:value-of select="$product"/>.</p>
    <p><a href="{link}">Choose which components and priorities you hear about</a>;
      every email also carries this link and an unsubscribe link.</p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'invalid-link']">
    <p>This link is not valid any more (used, expired, or mistyped): subscribe again.</p>
    <p><a href="{$root}index.html#sub-h">Subscribe on the status page</a></p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'manage']">
    <xsl:if test="@saved = 'yes'">
      <p role="status"><strong>Preferences saved.</strong></p>
    </xsl:if>
    <xsl:if test="@state != 'confirmed'">
      <p>This address is not subscribed at the moment: no email is sent to it. Preferences
        saved here apply if it subscribes again.</p>
    </xsl:if>
    <xsl:if test="problem">
      <p role="alert"><xsl:value-of select="problem"/></p>
    </xsl:if>
    <form method="post" action="{@base}/manage">
      <input type="hidden" name="t" value="{@token}"/>
      <fieldset>
        <legend>Components</legend>
        <xsl:for-each select="component">
          <xsl:if test="not(preceding-sibling::component[1]) or preceding-sibling::component[1]/@group != @group">
            <xsl:if test="string(@group) != ''">
              <p class="muted"><xsl:value-of select="@group"/></p>
            </xsl:if>
          </xsl:if>
          <p>
            <input type="checkbox" id="c-{@id}" name="components" value="{@id}">
              <xsl:if test="@checked = 'yes'"><xsl:attribute name="checked">checked</xsl:attribute></xsl:if>
            </input>
            <xsl:text> </xsl:text>
            <label for="c-{@id}"><xsl:value-of select="name"/></label>
          </p>
        </xsl:for-each>
      </fieldset>
      <p>
        <label for="prio">Priorities</label>
        <xsl:text> </xsl:text>
        <select id="prio" name="priority">
          <xsl:call-template name="prio-option"><xsl:with-param name="n" select="4"/><xsl:with-param name="words">All (P1 to P4)</xsl:with-param></xsl:call-template>
          <xsl:call-template name="prio-option"><xsl:with-param name="n" select="1"/><xsl:with-param name="words">P1 only</xsl:with-param></xsl:call-template>
          <xsl:call-template name="prio-option"><xsl:with-param name="n" select="2"/><xsl:with-param name="words">P1 and P2</xsl:with-param></xsl:call-template>
          <xsl:call-template name="prio-option"><xsl:with-param name="n" select="3"/><xsl:with-param name="words">P1 to P3</xsl:with-param></xsl:call-template>
        </select>
      </p>
      <button type="submit">Save</button>
    </form>
    <form method="post" action="{@base}/unsubscribe?t={@unsubscribe-token}">
      <input type="hidden" name="t" value="{@unsubscribe-token}"/>
      <button type="submit">Unsubscribe</button>
    </form>
  </xsl:template>

  <xsl:template name="prio-option">
    <xsl:param name="n"/>
    <xsl:param name="words"/>
    <option value="P{$n}">
      <xsl:if test="$s/@min-priority = $n"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>
      <xsl:value-of select="$words"/>
    </option>
  </xsl:template>

  <xsl:template match="subscription[@view = 'unsubscribe']">
    <p>Stop all email updates about <xsl:value-of select="$product"/>'s status to this address.</p>
    <form method="post" action="{@base}/unsubscribe?t={@token}">
      <input type="hidden" name="t" value="{@token}"/>
      <button type="submit">Unsubscribe</button>
    </form>
  </xsl:template>

  <xsl:template match="subscription[@view = 'unsubscribed']">
    <p>No more email will be sent to this address. To subscribe again, use the form on the
      <a href="{$root}index.html#sub-h">status page</a>.</p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'too-many']">
    <p>Too many subscription requests came from your network address.
      Try again in <xsl:value-of select="@retry-minutes"/> minutes.</p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'not-found']">
    <p>There is nothing here. <a href="{$root}index.html">The status page</a>.</p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'method']">
    <p>This address does not accept that kind of request.</p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'too-large']">
    <p>The request was larger than a subscription form can be.</p>
  </xsl:template>

  <xsl:template match="subscription[@view = 'media-type']">
    <p>Forms must be sent as application/x-www-form-urlencoded or multipart/form-data.</p>
  </xsl:template>

  <xsl:template match="subscription">
    <p>Something went wrong on our side. Please try again later.</p>
  </xsl:template>

</xsl:stylesheet>
